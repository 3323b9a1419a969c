"""Customers of the storefront: accounts of their own (not team users), their sign-in, and
what they are entitled to download."""

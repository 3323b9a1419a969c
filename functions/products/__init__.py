"""The public storefront: listed products, their categories and detail (no sign-in)."""

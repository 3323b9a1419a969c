"""Storefront customers: accounts, sign-in, entitlements and downloads."""

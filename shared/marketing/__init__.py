"""Seed 000's public marketing endpoints (`/api/marketing/*`): the storefront's highlights,
a product's share card, and updates subscriptions with double opt-in."""

"""Seed 000's public marketing endpoints: highlights, share cards, updates subscriptions."""

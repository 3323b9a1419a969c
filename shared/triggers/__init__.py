"""Triggers: what starts work on its own, on a schedule or on one of the product's events."""

"""Payments: orders through a payment provider, confirmed only by its signed webhook."""

"""Payments: checkout through the seller's provider, orders, refunds, the test provider's page."""

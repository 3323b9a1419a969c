"""The stripe_caller worker: Stripe's calls for the groups that open checkouts and ask
refunds (shared/payments/stripe_calls.py)."""

"""Consumer of payment-events: the payment provider's verified events, applied to orders."""

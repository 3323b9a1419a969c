"""Consumer of webhook-deliveries: one signed attempt of a delivery per message."""

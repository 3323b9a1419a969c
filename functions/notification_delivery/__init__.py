"""Consumer of notification-deliveries: one attempt of a notification through a channel."""

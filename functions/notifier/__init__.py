"""Consumer of notification-events: turns each domain event into inbox items and channel
deliveries by the team's notification rules."""

"""Consumer of bus-events: matches each domain event to the team's webhook subscriptions."""

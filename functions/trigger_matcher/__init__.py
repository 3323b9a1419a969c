"""Consumer of trigger-events: matches each domain event to the team's event triggers."""

"""Consumer of live-events: pushes each domain event to the team's WebSocket connections."""

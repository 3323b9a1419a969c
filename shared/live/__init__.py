"""Live events over WebSocket: connections, their subscriptions, and the push of each
domain event to the team's matching connections (the live socket function and the
live_push worker; docs/architecture.md, "Live events")."""

"""Outbound webhooks: teams' endpoints, the events they subscribe to, signed deliveries."""

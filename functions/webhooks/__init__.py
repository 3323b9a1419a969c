"""Webhooks: outbound endpoints and their deliveries; inbound sources and their events."""

"""Inbound webhooks: sources (who may post to /hooks/{id} and how they sign), the signature
schemes, replay claims, and the events received."""

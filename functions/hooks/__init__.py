"""Inbound webhooks' public endpoint: POST /hooks/{source_id}, signed by the sender."""

"""Async chat: tickets answered by a queue consumer through the router, a user's session
configurations and conversations (seed 002's `POST /chat`, seed 003's conversations)."""

"""Agents: CRUD, start and stop, a test call through the router, per-phase configs, memories."""

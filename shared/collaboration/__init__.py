"""Collaboration sessions: agents of a team working together on one shared context."""

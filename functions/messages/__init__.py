"""The messages group: agent-to-agent messages (and, later, collaboration sessions)."""

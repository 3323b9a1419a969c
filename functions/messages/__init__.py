"""The messages group: agent-to-agent messages and collaboration sessions."""

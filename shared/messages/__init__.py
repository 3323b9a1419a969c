"""Agent-to-agent messages with channels and read marks."""

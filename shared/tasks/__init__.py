"""Tasks handed to agents (or people), boards grouping them, agents checking in."""

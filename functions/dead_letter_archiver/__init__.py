"""Consumer of every dead-letter queue: each message kept as a dead-letter item of its team."""

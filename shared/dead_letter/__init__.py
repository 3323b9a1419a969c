"""The dead-letter queue: what the event, delivery and inbound paths could not handle,
kept per team where an admin can see it, retry it into the queue it came from, or drop it."""

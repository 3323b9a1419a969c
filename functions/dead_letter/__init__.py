"""The dead-letter queue's routes (admin only): list, read, add, retry, retry-all, delete,
statistics."""

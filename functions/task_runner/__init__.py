"""Consumer of task-runs: runs each queued task through its agent on the router, once."""

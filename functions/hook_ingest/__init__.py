"""Consumer of hook-events: stores each accepted inbound message and announces it."""

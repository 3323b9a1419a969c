"""Consumer of chat-tickets: answers each chat ticket through the router, once."""

"""The chat group: `POST /chat` tickets, session configurations, conversations."""

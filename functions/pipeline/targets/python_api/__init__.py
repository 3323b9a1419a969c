"""The python-api target: a FastAPI service with an in-memory store and pytest tests."""

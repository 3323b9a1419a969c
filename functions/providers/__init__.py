"""A team's LLM providers, their models and prices, and their circuit breakers."""

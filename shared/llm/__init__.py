"""LLM providers: the interface every provider implements, and the built-in template generator."""

"""The ai_market group: the AI Market v1 protocol's routes, at the root as the protocol
fixes them and under /api/v1 as every route."""

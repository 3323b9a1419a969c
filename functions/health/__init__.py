"""Liveness, readiness, service info and the merged OpenAPI document."""

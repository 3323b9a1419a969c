"""Deployments: a code agent served as `POST /rest/<friendly_name>` (seed 002)."""

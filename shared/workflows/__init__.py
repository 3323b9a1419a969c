"""Workflows: steps with dependencies, run on the `<prefix>-workflows` state machine."""

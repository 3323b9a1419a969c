"""The stacks: one per stage, composed from infra.constructs."""

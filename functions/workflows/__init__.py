"""The workflows group: workflows, their steps, templates copied."""

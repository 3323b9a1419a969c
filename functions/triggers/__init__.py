"""Triggers: schedules and event patterns that start a job, run an agent or call a webhook."""

"""The workflow-steps consumer: a wait step's delayed message ends its wait."""

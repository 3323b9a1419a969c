"""The fleet group: workers register and beat, pull their agents' tasks; admins approve."""

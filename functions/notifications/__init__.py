"""The notifications group: a user's inbox and preferences, the team's rules and channels."""

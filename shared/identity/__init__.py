"""Accounts, teams, sessions, credentials and the audit log, stored in the identity table."""

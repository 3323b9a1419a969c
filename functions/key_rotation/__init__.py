"""Rotates the token signing key: Secrets Manager's rotation function for its secret."""

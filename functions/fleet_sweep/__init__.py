"""The fleet's offline sweep (scheduled)."""

"""The SSH runner: the only function that opens SSH connections (shared/ssh/runner.py)."""

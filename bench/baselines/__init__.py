"""Reference handlers every figure is divided by (measured in the same run)."""

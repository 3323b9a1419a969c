"""The admin dashboard's figures, read from the counters other areas keep."""

"""Analytics: daily task rollups, the figures read from them, exports and /metrics."""

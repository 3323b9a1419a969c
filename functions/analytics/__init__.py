"""The analytics group: figures from rollups, exports, the team's Prometheus metrics."""

"""The telemetry group: product pages' client telemetry in, and its counters for sellers."""

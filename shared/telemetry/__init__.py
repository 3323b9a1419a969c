"""Storefront telemetry: what product pages' clients report, kept as one object per batch
and counted per product, day and event name."""

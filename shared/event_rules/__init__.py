"""What triggers and notification rules share about the product's events: which events a
rule names and which of their fields it may read.

- `patterns`: an event pattern (`{event: "job.failed" or "job.*" or "*", filters}`),
  checked against the catalog at creation, `matches(pattern, event)`, and the storage keys
  that keep rule matching to at most four Queries whatever other teams hold.
- `templates`: `{{event.data.x}}` placeholders in an action's JSON config, checked against
  the event type's sample at creation and filled from the event at fire time, by lookups
  into the event's JSON only.

Both see an event as its envelope, `{id, type, timestamp, data}` (`patterns.envelope`),
with `payload` beside `data` for `hook.received`: the sender's own body, which the bus
does not carry and the runtime loads from the inbound event store.
"""

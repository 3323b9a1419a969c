"""One construct per concern: data, artifacts, events, api, monitoring (pipeline comes later)."""

"""One construct per concern: data, artifacts, events, functions (api, workers), pipeline,
monitoring."""

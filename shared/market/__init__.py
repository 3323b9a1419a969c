"""The AI Market v1: the platform's capabilities (listed products) described for machines,
a signed tool catalog, plans from a request, and paid invocation through payment channels."""

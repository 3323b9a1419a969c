"""The connectors group: MCP servers' tools and OpenAPI documents, through the connector_runner."""

"""Connectors: MCP servers and HTTP APIs described by OpenAPI documents, reached only from
the `connector_runner` worker (functions/connector_runner), never from a route group.
`client` is how the others ask it (`list_mcp_tools`, `call_mcp_tool`, `fetch_spec`,
`call_operation`); `worker` is what it runs."""

"""The connectors' worker: the only function that talks to MCP servers and imported APIs."""

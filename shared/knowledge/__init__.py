"""A team's knowledge base: entries in the data table, ranked full-text search over the
team's SQLite FTS5 index (a base and a delta segment in S3, versioned in the data table),
written by one writer per team (the knowledge_indexer) and read from /tmp by version."""

"""Generation jobs and projects: create, follow, cancel, retry, browse and download."""

"""Sandbox previews: a web product's built site served from S3 under a per-preview URL that
expires."""

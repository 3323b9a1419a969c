"""Identity: tokens, keys and who the caller is."""

"""Guarantees every job an end state: fixes jobs whose execution ended without saying so."""

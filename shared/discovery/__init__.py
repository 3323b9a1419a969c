"""Discovery runs: a team's admin asks an agent for product ideas, kept with the run, and
optionally starts a product per idea (shared.products.lifecycle)."""

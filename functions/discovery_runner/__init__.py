"""Consumer of discovery-runs: product ideas asked of the team's router, products started."""

"""Who is calling, for which team, in which role: tokens, keys and the route dependency."""

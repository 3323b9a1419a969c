"""A team's IP allow and block rules: CIDR networks (IPv4 and IPv6) every group enforces
for the team's requests. `matcher` decides, `store` keeps them, `guard` is the per-container
cache on the request path, `service` the rules of changing them."""

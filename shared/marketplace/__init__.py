"""Marketplace: templates shipped as data (agents, workflows and triggers a team installs in
one request) and the record of each team's installs."""

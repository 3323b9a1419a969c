"""Notifications: a per-user inbox, rules that map the product's events to recipients and
channels (built-in ones every team has, and the team's own), per-user preferences, the
notifier that turns each event into inbox items and channel deliveries, and the channels
themselves (`channel*` modules)."""

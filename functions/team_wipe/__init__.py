"""Consumer of team-wipes: deletes a team's data (POST /settings/wipe), once per wipe."""

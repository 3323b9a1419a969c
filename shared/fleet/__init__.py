"""Workers: machines a team runs its agents on, their heartbeats and the offline sweep."""

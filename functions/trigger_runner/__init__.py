"""Consumer of trigger-fires: runs each fire of a trigger at most once."""

"""The marketplace group: shipped templates, listed, read and installed into a team."""

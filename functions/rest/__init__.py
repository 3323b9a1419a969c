"""Rest: deployed agents called by their friendly name (POST /rest/{friendly_name})."""

"""One package per route group or event function; see ``functions.registry``."""

"""The files group: uploaded files (seed 003 Files)."""

"""Agents: who serves each pipeline phase (`service`), what they remember (`memories`),
the shapes both take and give (`schemas`), and how they are stored (`models`)."""

"""The kernel every function imports: settings, errors, app factory, pagination, storage base.

Nothing here imports from ``functions/``.
"""

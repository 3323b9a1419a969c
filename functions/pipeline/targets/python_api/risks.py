"""What the review says the pipeline cannot prove about a python-api project."""

RISKS = (
    "Entries are kept in memory: they are lost on restart until a database "
    "replaces `app/store.py`.",
)

"""How workflows are stored, in the work table:

pk = TEAM#<team>  sk = WORKFLOW#<workflow>   a workflow with its steps inline (at most
                                             MAX_STEPS): a step is added or changed by a
                                             write conditioned on the workflow's version,
                                             so two concurrent edits can never together
                                             make a cycle each alone was checked against.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, UnicodeAttribute

from shared.db.base import TeamItem, table_meta

WORKFLOW_PREFIX = "WORKFLOW#"


def workflow_key(workflow_id: str) -> str:
    return f"{WORKFLOW_PREFIX}{workflow_id}"


class WorkflowItem(TeamItem):
    Meta = table_meta("work")

    workflow_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    is_template = BooleanAttribute(default=False)
    config = JSONAttribute(default=dict)
    steps = JSONAttribute(default=list)
    created_by = UnicodeAttribute(null=True)

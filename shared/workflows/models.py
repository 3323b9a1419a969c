"""How workflows are stored, in the work table:

pk = TEAM#<team>  sk = WORKFLOW#<workflow>   a workflow with its steps inline (at most
                                             MAX_STEPS): a step is added or changed by a
                                             write conditioned on the workflow's version,
                                             so two concurrent edits can never together
                                             make a cycle each alone was checked against.
pk = TEAM#<team>  sk = WFRUN#<run>            a run (ULID); gsi1pk = WFRUNS#<team>#<workflow>,
                                             gsi1sk = <run>: a workflow's runs, newest first
pk = TEAM#<team>  sk = WFRUNSTEP#<run>#<step>  a run's step: what it still waits on
                                             (`waiting_on`, a set the passing of each
                                             dependency deletes itself from), its Ready
                                             token, whether that was answered (`released`,
                                             claimed by one conditional write), its Run
                                             token, task or approval, status, output, error
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import Gsi1Index, TeamItem, table_meta

WORKFLOW_PREFIX = "WORKFLOW#"
RUN_PREFIX = "WFRUN#"
RUN_STEP_PREFIX = "WFRUNSTEP#"


def run_key(run_id: str) -> str:
    return f"{RUN_PREFIX}{run_id}"


def run_step_key(run_id: str, step_id: str = "") -> str:
    return f"{RUN_STEP_PREFIX}{run_id}#{step_id}"


def runs_partition(team_id: str, workflow_id: str) -> str:
    return f"WFRUNS#{team_id}#{workflow_id}"


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


class WorkflowRunItem(TeamItem):
    Meta = table_meta("work")
    by_workflow: Gsi1Index[WorkflowRunItem] = Gsi1Index()

    run_id = UnicodeAttribute()
    workflow_id = UnicodeAttribute()
    status = UnicodeAttribute()
    created_by = UnicodeAttribute(null=True)
    completed_at = UTCDateTimeAttribute(null=True)
    error = UnicodeAttribute(null=True)


class WorkflowRunStepItem(TeamItem):
    Meta = table_meta("work")

    run_id = UnicodeAttribute()
    step_id = UnicodeAttribute()
    name = UnicodeAttribute()
    step_type = UnicodeAttribute()
    config = JSONAttribute(default=dict)
    agent_id = UnicodeAttribute(null=True)
    depends_on = ListAttribute(of=UnicodeAttribute, default=list)
    dependents = ListAttribute(of=UnicodeAttribute, default=list)
    # The dependencies not passed yet (DynamoDB drops an empty set: absent = none left).
    waiting_on = UnicodeSetAttribute(null=True)
    # The first dependency that failed (its step id): the step fails without running.
    dependency_failed = UnicodeAttribute(null=True)
    ready_token = UnicodeAttribute(null=True)
    released = BooleanAttribute(null=True)
    run_token = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    output = JSONAttribute(null=True)
    error = UnicodeAttribute(null=True)
    task_id = UnicodeAttribute(null=True)
    approval_id = UnicodeAttribute(null=True)

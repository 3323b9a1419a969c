"""How jobs are stored: items in the jobs table, every key under its team.

    pk = TEAM#<team>   sk = JOB#<job id>               the job (its document as JSON)
                       sk = JOBSLUG#<slug>             claims a slug for one job
                       sk = JOBEVENT#<job id>#<id>     the job's event log
                       sk = APPROVAL#<approval id>     a pending or decided approval

While a job is active its item also carries gsi1pk = ACTIVE_JOBS (a sparse index the
reconciler reads); the attribute is removed when the job ends. An approval carries
gsi1pk = TEAM#<team>#APPROVALS#<status> (gsi1sk its sk), so the queue of one status is one
Query however many the team has decided.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import Gsi1Index, TeamItem, table_meta

ACTIVE_JOBS = "ACTIVE_JOBS"


def job_key(job_id: str) -> str:
    return f"JOB#{job_id}"


def slug_key(slug: str) -> str:
    return f"JOBSLUG#{slug}"


def event_key(job_id: str, event_id: str = "") -> str:
    return f"JOBEVENT#{job_id}#{event_id}"


def approval_key(approval_id: str = "") -> str:
    return f"APPROVAL#{approval_id}"


def approvals_in(team_id: str, status: str) -> str:
    """The gsi1 partition of the team's approvals in `status`."""
    return f"TEAM#{team_id}#APPROVALS#{status}"


class JobItem(TeamItem):
    Meta = table_meta("jobs")

    job_id = UnicodeAttribute()
    slug = UnicodeAttribute()
    status = UnicodeAttribute()
    project_id = UnicodeAttribute(null=True)
    document = JSONAttribute()
    active: Gsi1Index[JobItem] = Gsi1Index()


class SlugClaimItem(TeamItem):
    Meta = table_meta("jobs")

    job_id = UnicodeAttribute()


class JobEventItem(TeamItem):
    Meta = table_meta("jobs")

    job_id = UnicodeAttribute()
    type = UnicodeAttribute()
    phase = UnicodeAttribute(null=True)
    message = UnicodeAttribute(default="")
    data = JSONAttribute(default=dict)
    at = UTCDateTimeAttribute()


class ApprovalItem(TeamItem):
    Meta = table_meta("jobs")

    approval_id = UnicodeAttribute()
    # None for a request (POST /approvals, a workflow's approval step).
    job_id = UnicodeAttribute(null=True)
    phase = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    # Never leaves storage: whoever holds it can resume or fail the execution.
    task_token = UnicodeAttribute(null=True)
    requested_at = UTCDateTimeAttribute()
    decided_at = UTCDateTimeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    edited_output = BooleanAttribute(default=False)
    # Set for a budget approval only (which is what makes it one): the limit a job's model
    # call hit, what was spent of it, and the limit set on approval. Items stored before
    # may also hold a `kind` attribute, which nothing reads.
    budget_limit = UnicodeAttribute(null=True)
    spent_usd = NumberAttribute(null=True)
    limit_usd = NumberAttribute(null=True)
    new_limit_usd = NumberAttribute(null=True)
    # A request's: what it asks, for whom it was opened, where its decision is delivered.
    title = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    payload = JSONAttribute(null=True)
    callback_webhook_id = UnicodeAttribute(null=True)
    requested_by = UnicodeAttribute(null=True)
    origin = JSONAttribute(null=True)
    by_status: Gsi1Index[ApprovalItem] = Gsi1Index()

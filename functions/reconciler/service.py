"""Find active jobs whose execution has ended and give them the status it implies.

The state machine records every end itself (Catch into Failed, Completed, Cancelled);
this is the net under that: a worker that crashed while recording, an execution that
timed out or was stopped by hand, a start that never happened. Reads the sparse
active-jobs index, never a Scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.aws import client
from shared.ids import utcnow
from shared.jobs import lifecycle, store
from shared.jobs.domain import ACTIVE_STATUSES, Job
from shared.observability import logger

# A queued job with no execution this long after creation never started.
START_GRACE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Fix:
    job_id: str
    team_id: str
    status: str
    reason: str


def _ending(job: Job, execution_status: str) -> tuple[str, str]:
    if job.cancel_requested:
        return "cancelled", ""
    if execution_status == "SUCCEEDED" and all(
        record.status in ("passed", "skipped") for record in job.phases
    ):
        return "passed", ""
    return "failed", f"the pipeline ended ({execution_status.lower()}) without finishing the job"


def _apply(job: Job, status: str, reason: str, now: datetime) -> Fix:
    def settle(current: Job) -> None:
        if current.status not in ACTIVE_STATUSES:
            return
        current.status, current.finished_at = status, now  # type: ignore[assignment]
        current.error = reason or None
        for record in current.phases:
            if record.status in ("running", "waiting_approval"):
                record.status = "cancelled" if status == "cancelled" else "failed"
                record.error = reason or None
                record.finished_at = now
            elif record.status == "pending" and status != "passed":
                record.status = "cancelled"

    store.update_job(job.team_id, job.id, settle)
    settled = store.get_job(job.team_id, job.id)
    lifecycle.record(
        settled,
        f"job.{status}" if status != "passed" else "job.completed",
        message=reason or "settled by the reconciler",
        data={"reconciled": True},
    )
    return Fix(job.id, job.team_id, status, reason)


def reconcile(now: datetime | None = None) -> list[Fix]:
    now = now or utcnow()
    sfn = client("stepfunctions")
    fixes = []
    for job in store.list_active_jobs():
        if not job.execution_arn:
            if job.status == "queued" and now - job.created_at > START_GRACE:
                fixes.append(_apply(job, "failed", "the pipeline never started", now))
            continue
        try:
            status = sfn.describe_execution(executionArn=job.execution_arn)["status"]
        except sfn.exceptions.ExecutionDoesNotExist:
            status = "ABORTED"
        if status in ("RUNNING", "PENDING_REDRIVE"):
            continue
        fixes.append(_apply(job, *_ending(job, status), now))
    if fixes:
        logger.info("reconciled jobs", extra={"fixed": [fix.job_id for fix in fixes]})
    return fixes

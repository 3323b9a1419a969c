"""Job transitions that more than one function records: the event log and the bus, and
cancelling a job outright. Shared because every function is deployed with its own
package only: the jobs API cannot import the pipeline worker."""

from __future__ import annotations

from typing import Any

from shared import events
from shared.ids import utcnow
from shared.jobs import store
from shared.jobs.domain import Job


def record(
    job: Job,
    type_: str,
    *,
    phase: str | None = None,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Write a transition to the job's event log and put it on the bus."""
    store.add_event(job.team_id, job.id, type_, phase=phase, message=message, data=data)
    events.publish(
        type_,
        {
            "team_id": job.team_id,
            "job_id": job.id,
            "slug": job.slug,
            "phase": phase,
            "status": job.status,
            "message": message,
            **(data or {}),
        },
    )


def mark_cancelled(team_id: str, job_id: str) -> Job:
    """End the job cancelled: every phase not done yet is cancelled; what ran stays."""

    def stop(current: Job) -> None:
        current.status, current.finished_at = "cancelled", utcnow()
        for phase in current.phases:
            if phase.status in ("pending", "running", "waiting_approval"):
                phase.status = "cancelled"

    job = store.update_job(team_id, job_id, stop)
    record(job, "job.cancelled", phase=job.current_phase)
    return job

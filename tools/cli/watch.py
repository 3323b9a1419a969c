"""Follow a job to its end by polling: the job, its phases and, while it waits, the approval.

Polls every `interval` seconds while things move and backs off (up to `max_interval`)
while nothing changes, so a job waiting hours for a human costs few requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tools.cli.client import ApiClient, ApiError
from tools.cli.models import Approval, Job
from tools.cli.progress import ProgressView, Snapshot


@dataclass(frozen=True)
class Polling:
    interval: float = 0.5
    max_interval: float = 5.0
    backoff: float = 1.6
    # Consecutive failed polls tolerated (on top of the client's own retries): a watch of
    # a long job should outlive a blip of the network or a redeploy.
    max_failures: int = 5


def watch(
    client: ApiClient,
    ref: str,
    view: ProgressView,
    *,
    polling: Polling = Polling(),
    sleep: Callable[[float], None] = time.sleep,
) -> Job:
    """Poll until the job is passed, failed or cancelled; return it as it ended."""
    delay = polling.interval
    previous: tuple[object, ...] | None = None
    failures = 0
    try:
        while True:
            try:
                job = client.get_job(ref)
                phases = client.phases(job.id)
                # Looked up at every poll while waiting, not cached: after a send-back the
                # same phase waits on a new approval, perhaps between two polls.
                approval = (
                    pending_approval(client, job) if job.status == "waiting_approval" else None
                )
                unknown = job.status == "waiting_approval" and approval is None
            except ApiError as error:
                failures += 1
                if not error.retryable or failures > polling.max_failures:
                    raise
                sleep(delay)
                delay = min(delay * polling.backoff, polling.max_interval)
                continue
            failures = 0
            snapshot = Snapshot(job, phases, approval, approval_unknown=unknown)
            view.update(snapshot)
            if job.finished:
                return job
            key = snapshot.key()
            delay = (
                polling.interval
                if key != previous
                else min(delay * polling.backoff, polling.max_interval)
            )
            previous = key
            sleep(delay)
    finally:
        view.close()


def pending_approval(client: ApiClient, job: Job) -> Approval | None:
    """The approval a waiting job waits for; None when it cannot be told (not listed yet,
    or the token may not read approvals): showing progress matters more than this hint."""
    try:
        queue = client.approvals("pending")
    except ApiError as error:
        if error.retryable:
            raise
        return None
    mine = [item for item in queue.items if item.job_id == job.id]
    mine.sort(key=lambda item: item.phase != job.current_phase)  # its current phase first
    return mine[0] if mine else None

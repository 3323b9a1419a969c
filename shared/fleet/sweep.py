"""The offline sweep (functions/fleet_sweep, every minute): a worker with no heartbeat for
OFFLINE_AFTER is marked offline, `worker.offline` is published and its running tasks go
back to the queue for another pull."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared import events
from shared.fleet import store
from shared.fleet.domain import OFFLINE_AFTER, OFFLINE_EVENT, event_data
from shared.ids import utcnow
from shared.tasks.service import requeue_worker_tasks

# Each round reads at most this many stale workers per page; it pages until none is left.
_PAGE = 100


@dataclass(frozen=True)
class Swept:
    team_id: str
    worker_id: str
    requeued: int


def sweep(now: datetime | None = None) -> list[Swept]:
    cutoff = (now or utcnow()) - OFFLINE_AFTER
    swept: list[Swept] = []
    seen: set[tuple[str, str]] = set()
    while True:
        # The index is eventually consistent: one already marked may still be listed.
        stale = [key for key in store.stale_online(cutoff, _PAGE) if key not in seen]
        if not stale:
            return swept
        for team_id, worker_id in stale:
            seen.add((team_id, worker_id))
            worker = store.mark_offline(team_id, worker_id, cutoff)
            if worker is None:
                continue
            events.publish(OFFLINE_EVENT, event_data(worker))
            moved = requeue_worker_tasks(team_id, worker_id)
            swept.append(Swept(team_id, worker_id, moved))

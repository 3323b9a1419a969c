"""Discovery runs' rules (no HTTP): start one (stored queued, then put on discovery-runs),
list and read the team's runs. The worker's side is shared.discovery.runner."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from shared import queues
from shared.discovery import store
from shared.discovery.domain import ERROR_CHARS, DiscoveryRun
from shared.errors import NotFound, ServiceUnavailable
from shared.ids import new_id, utcnow
from shared.observability import logger
from shared.pagination import PageParams

QUEUE: Final = "discovery-runs"


def start_run(
    team_id: str,
    user_id: str,
    *,
    top_k: int,
    create_product: bool,
    theme: str | None = None,
    category: str | None = None,
) -> DiscoveryRun:
    """A queued run; a queue that refuses fails it (503), so it never waits for nothing."""
    now = utcnow()
    run = store.create_run(
        DiscoveryRun(
            id=new_id(),
            team_id=team_id,
            requested_by=user_id,
            status="queued",
            top_k=top_k,
            create_product=create_product,
            created_at=now,
            updated_at=now,
            theme=theme,
            category=category,
        )
    )
    try:
        queues.send(QUEUE, {"team_id": team_id, "run_id": run.id})
    except Exception:
        logger.exception("could not queue a discovery run", extra={"run": run.id})
        store.save_run(
            replace(
                run,
                status="failed",
                error="the run could not be queued; start it again"[:ERROR_CHARS],
                updated_at=utcnow(),
            )
        )
        raise ServiceUnavailable("The discovery queue is unavailable; try again shortly") from None
    return run


def get_run(team_id: str, run_id: str) -> DiscoveryRun:
    run = store.get_run(team_id, run_id)
    if run is None:
        raise NotFound("Discovery run not found")
    return run


def list_runs(team_id: str, params: PageParams) -> tuple[list[DiscoveryRun], int, str | None]:
    return store.list_runs(team_id, params)

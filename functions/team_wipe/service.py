"""team-wipes batches: each wipe (shared.team_wipe_store) run to a terminal state, once.

A message names a wipe and a part (0 for the request, n for the n-th continuation). The
work is idempotent per part (Powertools, the idempotency table): a redelivery of a part
that finished does nothing; one that failed runs again from the progress the wipe
recorded, every stage being safe to repeat. A wipe already ended is left as it is.

What stops a wipe (storage, S3, Secrets Manager failing) raises: SQS delivers the message
again, and on its last receive the wipe ends `failed` (and is audited so) before raising,
so the message in team-wipes-dlq belongs to a wipe that says why; the dead-letter
archiver's settler ends it failed should even that write have failed.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any, Final

from functions.team_wipe.wipe import OutOfTime, run_stages
from shared import audit
from shared import team_wipe_store as wipes
from shared.errors import DomainError
from shared.queue_consumer import consume, json_body, last_receive
from shared.queues import send

QUEUE: Final = "team-wipes"
# Longer than a message can live through its receives (5 x 90 minutes) and redrive.
IDEMPOTENCY_SECONDS: Final = 24 * 3600
# Kept back at an invocation's end to save the wipe's place and queue its continuation: a
# minute, or a quarter of the invocation's time when it has less (the local runtime's 29 s).
MARGIN_SECONDS: Final = 60.0

# The invocation being served (one at a time per container): how long it has left.
_invocation: dict[str, Any] = {}


def _time_left() -> float:
    context = _invocation.get("context")
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return float("inf") if remaining is None else remaining() / 1000


def _margin() -> float:
    return float(_invocation.get("margin", MARGIN_SECONDS))


def _message(record: Any) -> dict[str, Any]:
    """The body with `once` (the wipe and part) and whether this is the last receive."""
    body = json_body(record)
    team_id, wipe_id, part = str(body["team_id"]), str(body["wipe_id"]), int(body.get("part", 0))
    return {
        "team_id": team_id,
        "wipe_id": wipe_id,
        "part": part,
        "once": f"{team_id}#{wipe_id}#{part}",
        "last_receive": last_receive(record, QUEUE),
    }


def run(message: dict[str, Any]) -> dict[str, Any]:
    """Run the wipe from where it got to; its status afterwards."""
    team_id, wipe_id = message["team_id"], message["wipe_id"]
    found = wipes.progress(team_id, wipe_id)
    if found is None:
        return {"status": None}
    wipe, at = found
    if wipe.status in wipes.TERMINAL or message["part"] < at.part:
        # Ended, or a part a later continuation has taken over from.
        return {"status": wipe.status}
    wipes.mark_running(team_id, wipe_id)
    try:
        at = run_stages(team_id, at, _time_left, _margin())
    except OutOfTime as stop:
        at = stop.at
        at.part += 1
        wipes.save_progress(team_id, wipe_id, at)
        send(QUEUE, {"team_id": team_id, "wipe_id": wipe_id, "part": at.part})
        return {"status": "running", "part": at.part}
    except Exception as exc:
        with suppress(DomainError):  # storage down too: the stages are safe to repeat
            wipes.save_progress(team_id, wipe_id, at)
        if message["last_receive"]:
            reason = f"the wipe failed ({type(exc).__name__}) on every attempt"
            if wipes.finish(team_id, wipe_id, "failed", error=reason):
                audit.record(
                    team_id,
                    "settings.wipe",
                    actor=wipe.requested_by,
                    outcome="failed",
                    target=wipe_id,
                    counts=at.counts,
                )
        raise
    wipes.save_progress(team_id, wipe_id, at)
    if wipes.finish(team_id, wipe_id, "succeeded"):
        audit.record(
            team_id, "settings.wipe", actor=wipe.requested_by, target=wipe_id, counts=at.counts
        )
    return {"status": "succeeded"}


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The SQS event's records, each wipe part run once; the batch item failures."""
    _invocation["context"] = context
    _invocation["margin"] = min(MARGIN_SECONDS, _time_left() / 4)
    try:
        return consume(
            event, context, run, key="once", keep_seconds=IDEMPOTENCY_SECONDS, message=_message
        )
    finally:
        _invocation.clear()

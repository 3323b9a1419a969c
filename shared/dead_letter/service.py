"""The dead-letter queue's rules, on plain arguments; the routes, the archiver and any
path that gives up on a message call this module.

- An item is `pending` until it is retried: its original payload goes back to the queue it
  came from (`origin_queue`), and it is marked `retried`. The send comes first: a failure
  to mark it afterwards leaves it pending, so a message is sent twice rather than never
  (every consumer is idempotent per unit of work), and a retried item is never resent.
- Retry-all is bounded: at most `limit` pending items with a queue to go back to, oldest
  first, per call; the answer says how many it queued.
- Statistics count the pending items (what still waits for someone).
"""

from __future__ import annotations

import json
from typing import Any

from shared import queues
from shared.dead_letter import store
from shared.dead_letter.domain import DeadLetter, DeadLetterStats, Source, Status
from shared.errors import Conflict, PayloadTooLarge, ServiceUnavailable, Unprocessable
from shared.ids import new_id, utcnow
from shared.observability import logger
from shared.pagination import PageParams

# Retry-all's bound per call: each item is a send and a transaction, within the API's 29 s.
MAX_RETRY_ALL = 100
# An item is a message: it must fit back on a queue (and in one item, 400 KB).
MAX_PAYLOAD_BYTES = queues.MAX_MESSAGE_BYTES
# Error texts are kept to this many characters.
MAX_ERROR_CHARS = 2000


def add(
    team_id: str,
    source: Source,
    error: str,
    payload: Any,
    origin_queue: str | None,
) -> DeadLetter:
    """Keep a message that could not be handled as a pending item of the team."""
    if origin_queue is not None and origin_queue not in queues.QUEUES_BY_KEY:
        raise ValueError(f"unknown queue {origin_queue!r}")
    letter = store.add_item(
        DeadLetter(
            id=new_id(),
            team_id=team_id,
            source=source,
            status="pending",
            error=error[:MAX_ERROR_CHARS],
            payload=payload,
            origin_queue=origin_queue,
            created_at=utcnow(),
        )
    )
    logger.info(
        "dead-letter item added",
        extra={"team_id": team_id, "source": source, "dead_letter_id": letter.id},
    )
    return letter


def add_by_hand(
    team_id: str, error: str, payload: dict[str, Any], origin_queue: str | None
) -> DeadLetter:
    """An item an admin adds (source `manual`); its payload must fit on a queue as sent."""
    if len(json.dumps(payload).encode()) > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(
            f"a dead-letter payload holds at most {MAX_PAYLOAD_BYTES} bytes of JSON"
        )
    if origin_queue is not None:
        _check_sendable(team_id, payload, origin_queue)
    return add(team_id, "manual", error, payload, origin_queue)


def _check_sendable(team_id: str, payload: dict[str, Any], origin_queue: str) -> None:
    """A payload a retry will put on `origin_queue` must be one that queue takes from this
    team: never another team's work (its consumer trusts the message's `team_id`), and on
    a FIFO queue with the field its messages are grouped by."""
    named = payload.get("team_id")
    if named is not None and named != team_id:
        raise Unprocessable("payload.team_id names another team: a retry sends only your own")
    spec = queues.QUEUES_BY_KEY[origin_queue]
    group = payload.get(spec.group_by or "") if spec.fifo else None
    if spec.fifo and not (isinstance(group, str) and group):
        raise Unprocessable(
            f"a message to {origin_queue} is grouped by payload.{spec.group_by}: give it"
        )


def listing(
    team_id: str,
    params: PageParams,
    *,
    source: Source | None = None,
    status: Status | None = None,
) -> tuple[list[DeadLetter], int, str | None]:
    return store.list_items(team_id, params, source=source, status=status)


def get(team_id: str, item_id: str) -> DeadLetter:
    return store.get_item(team_id, item_id)


def _send_back(letter: DeadLetter) -> bool:
    """Send the item's payload to its queue and mark it retried; False when another
    request marked or deleted it first (the payload was sent all the same)."""
    if letter.origin_queue is None:
        raise Conflict(f"dead-letter item {letter.id} has no queue to go back to")
    if not isinstance(letter.payload, dict):
        raise Conflict(f"dead-letter item {letter.id} is not a JSON object: no queue takes it")
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        queues.send(letter.origin_queue, letter.payload)
    except ValueError as exc:  # the queue does not take it as it is (a FIFO's group field)
        raise Conflict(f"dead-letter item {letter.id} cannot go back to its queue: {exc}") from exc
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable(f"queue {letter.origin_queue} is unavailable; try again") from exc
    return store.mark_retried(letter, utcnow()) is not None


def retry(team_id: str, item_id: str) -> DeadLetter:
    """Send the item's original payload back to the queue it came from; the item, retried.
    Conflict when it was retried already or has nowhere to go."""
    letter = store.get_item(team_id, item_id)
    if letter.status != "pending":
        raise Conflict(f"dead-letter item {item_id} was retried already")
    if not _send_back(letter):
        raise Conflict(f"dead-letter item {item_id} was retried or deleted meanwhile")
    logger.info("dead-letter item retried", extra={"team_id": team_id, "dead_letter_id": item_id})
    return store.get_item(team_id, item_id)


def retry_all(team_id: str, limit: int = MAX_RETRY_ALL, source: Source | None = None) -> int:
    """Retry up to `limit` pending items that have a queue to go back to, oldest first;
    how many were queued."""
    queued = 0
    for letter in store.oldest_pending(
        team_id, min(limit, MAX_RETRY_ALL), source=source, retryable=True
    ):
        if not isinstance(letter.payload, dict):
            continue
        if _send_back(letter):
            queued += 1
    logger.info("dead-letter items retried", extra={"team_id": team_id, "queued": queued})
    return queued


def delete(team_id: str, item_id: str) -> None:
    store.delete_item(store.get_item(team_id, item_id))


def stats(team_id: str) -> DeadLetterStats:
    return store.stats(team_id, utcnow())

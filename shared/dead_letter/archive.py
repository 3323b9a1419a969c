"""A message of a dead-letter queue, made a dead-letter item: whose it is, where it came
from, what went wrong, where a retry sends it.

- A work queue's dead-letter queue (`<key>-dlq`): the source and the queue a retry sends
  to are the work queue's key. What went wrong is what SQS says: the receive count past
  the queue's limit (its consumer failed it that many times), or else a one-time
  schedule (shared.schedules) that could not send it to its queue.
- The bus's dead-letter queue (`dead-letter`, source `bus`): events the bus rule could not
  deliver to `bus-events`, where a retry sends them, and inputs of scheduled functions
  that could not run, which have no queue to go back to. EventBridge and Scheduler say
  why in the message's attributes (`ERROR_CODE`, `ERROR_MESSAGE`).
- The team: every message of the event path carries `team_id`, an EventBridge event in
  its `detail`. A message that names none is kept under `_unowned` and logged as an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from shared.dead_letter import service
from shared.dead_letter.domain import UNOWNED_TEAM, DeadLetter, Source
from shared.observability import logger
from shared.queues import BUS_DEAD_LETTER_KEY, QUEUES_BY_KEY

DEAD_LETTER_SUFFIX = "-dlq"


def origin_of(queue_key: str) -> str | None:
    """The work queue whose dead-letter queue `queue_key` is; None for any other queue."""
    if queue_key.endswith(DEAD_LETTER_SUFFIX):
        origin = queue_key[: -len(DEAD_LETTER_SUFFIX)]
        if origin in QUEUES_BY_KEY:
            return origin
    return None


def archived_keys() -> tuple[str, ...]:
    """Every dead-letter queue the archiver consumes: each work queue's, and the bus's."""
    return (*(spec.dead_letter_key() for spec in QUEUES_BY_KEY.values()), BUS_DEAD_LETTER_KEY)


def _parsed(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body


def _team_of(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return None
    team = payload.get("team_id")
    detail = payload.get("detail")
    if team is None and isinstance(detail, dict):
        team = detail.get("team_id")
    return team if isinstance(team, str) and team else None


def _is_event(payload: Any) -> bool:
    return isinstance(payload, dict) and "detail-type" in payload and "detail" in payload


def _attribute(attributes: Mapping[str, Any], name: str) -> str | None:
    value = attributes.get(name)
    if isinstance(value, dict):  # an SQS message attribute: {"stringValue": ..., ...}
        value = value.get("stringValue") or value.get("StringValue")
    return str(value) if value else None


def archive(
    queue_key: str,
    body: str,
    *,
    receive_count: int | None,
    message_attributes: Mapping[str, Any],
) -> DeadLetter:
    """Keep the message `body` received from the dead-letter queue `queue_key` as an item."""
    payload = _parsed(body)
    origin = origin_of(queue_key)
    source: Source
    if origin is not None:
        source = origin  # type: ignore[assignment]  # the work queues' keys are Sources
        # SQS keeps a message's receive count when it moves it, and counts the archiver's
        # receives too: more than the queue's limit means the consumer failed it that often.
        limit = QUEUES_BY_KEY[origin].max_receive_count
        if receive_count is not None and receive_count > limit:
            error = f"not handled by the {origin} consumer in {limit} receives"
        else:
            error = f"did not reach the {origin} consumer (a one-time schedule's target failed)"
    elif queue_key == BUS_DEAD_LETTER_KEY:
        source = "bus"
        origin = "bus-events" if _is_event(payload) else None
        error = "the event bus could not deliver it" if origin else "a schedule could not run it"
    else:
        raise ValueError(f"{queue_key!r} is not a dead-letter queue the archiver consumes")
    code = _attribute(message_attributes, "ERROR_CODE")
    message = _attribute(message_attributes, "ERROR_MESSAGE")
    if code or message:
        error += ": " + ": ".join(part for part in (code, message) if part)
    if not isinstance(payload, dict):
        origin = None  # every queue carries JSON objects: nothing takes this back
    team = _team_of(payload)
    if team is None:
        logger.error(
            "dead-letter message names no team; kept under %s",
            UNOWNED_TEAM,
            extra={"queue": queue_key},
        )
        team = UNOWNED_TEAM
    return service.add(team, source, error, payload, origin)

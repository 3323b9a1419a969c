"""Replay claims: the first acceptance of a sender's message id claims it for 48 hours
(one conditional PutItem), so a retry or a replay is recognised without a read first."""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.exceptions import DeleteError, PutError

from shared.db.base import get_or_none
from shared.errors import ServiceUnavailable
from shared.hooks.domain import REPLAY_WINDOW_SECONDS
from shared.hooks.models import ClaimItem, claim_key, source_key
from shared.observability import logger

_CONDITION_FAILED = "ConditionalCheckFailedException"


def claim(
    source_id: str, team_id: str, message_id: str, body_sha256: str, event_id: str, now: float
) -> tuple[str, str] | None:
    """Claim `message_id` for `event_id`. None when this call claimed it; else the
    (body_sha256, event_id) of the acceptance that holds the claim.

    A claim past its expiry counts as free: DynamoDB's TTL deletes items late (up to days).
    """
    moment = datetime.fromtimestamp(now, UTC)
    item = ClaimItem(
        source_key(source_id),
        claim_key(message_id),
        team_id=team_id,
        body_sha256=body_sha256,
        event_id=event_id,
        expires_at=datetime.fromtimestamp(now + REPLAY_WINDOW_SECONDS, UTC),
    )
    # Twice at most: a claim released between our put and our read is free again.
    for _ in range(2):
        try:
            item.save(condition=ClaimItem.pk.does_not_exist() | (ClaimItem.expires_at < moment))
            return None
        except PutError as exc:
            if exc.cause_response_code != _CONDITION_FAILED:
                raise ServiceUnavailable("Storage is unavailable; try again shortly") from exc
        held = get_or_none(ClaimItem, item.pk, item.sk, consistent=True)
        if held is not None:
            return held.body_sha256, held.event_id
    raise ServiceUnavailable("the message id is being claimed and released; try again")


def release(source_id: str, message_id: str, event_id: str) -> None:
    """Give up `event_id`'s claim (its message could not be queued), so the sender's retry
    is taken as new rather than answered as a duplicate of a message that was lost."""
    try:
        ClaimItem(source_key(source_id), claim_key(message_id)).delete(
            condition=ClaimItem.event_id == event_id
        )
    except DeleteError:
        # Another acceptance holds it now, or storage is down: the sender's retry is
        # answered from the claim, and the lost message shows in the logs.
        logger.exception("could not release a replay claim", extra={"event_id": event_id})

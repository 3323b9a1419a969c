"""A notification's delivery through one channel: one attempt per `notification-deliveries`
message, recorded, then what follows: the next attempt on the retry schedule or, after the
last, the dead-letter queue (source `notification-deliveries`), like any delivery.

The first message (the notifier's, design note of issue 13) carries the notification and
its recipients and creates the delivery; the next ones name the delivery and the attempt.
An attempt is recorded on condition that it is the next one, so a message received twice
never sends twice (beside the consumer's idempotency on delivery id and attempt). What
follows an attempt is done after recording it; if that fails, the message comes again,
finds its attempt recorded and does only what follows.

A test delivery (`test`: the channel's test route) is one attempt: no retry, no
dead-letter item.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from pydantic import SecretStr

from shared.db.versioned import LostRace
from shared.errors import Unprocessable
from shared.ids import utcnow
from shared.notifications import (
    channel_delivery_store,
    channel_secrets,
    channel_senders,
    channel_store,
)
from shared.notifications.channel_domain import (
    Attempt,
    Channel,
    ChannelDelivery,
    ChannelSecrets,
    Notification,
    Recipient,
)
from shared.observability import logger
from shared.webhooks.retries import RetrySchedule

QUEUE: Final = "notification-deliveries"
# The wait before each attempt of a series, in seconds: immediately, then 10 s, 1 min,
# 5 min, 30 min, 2 h. A notification is worth its moment: after ~2.5 h a person looks at
# the dead-letter item instead.
SCHEDULE_SECONDS: tuple[int, ...] = (0, 10, 60, 5 * 60, 30 * 60, 2 * 3600)
ATTEMPTS = len(SCHEDULE_SECONDS)
next_attempt_at = RetrySchedule(SCHEDULE_SECONDS).next_attempt_at
# Failures no retry can mend: straight to the dead-letter queue.
PERMANENT_ERRORS = ("no recipient address",)


def message(delivery: ChannelDelivery, attempt: int, *, redeliver: bool = False) -> dict[str, Any]:
    """The `notification-deliveries` body asking for attempt `attempt` of a stored
    delivery; `redeliver`: a new series of the retry schedule (a dead-letter retry)."""
    body: dict[str, Any] = {
        "team_id": delivery.team_id,
        "channel_id": delivery.channel_id,
        "delivery_id": delivery.id,
        "attempt": attempt,
        "test": delivery.test,
    }
    if redeliver:
        body["redeliver"] = True
    return body


def new_delivery(body: dict[str, Any], now: datetime) -> ChannelDelivery:
    """The delivery a first message describes."""
    return ChannelDelivery(
        id=body["delivery_id"],
        team_id=body["team_id"],
        channel_id=body["channel_id"],
        notification=Notification.model_validate(body["notification"]),
        recipients=[Recipient.model_validate(r) for r in body.get("recipients") or []],
        test=bool(body.get("test", False)),
        created_at=now,
    )


def attempt(
    delivery: ChannelDelivery, series_start: int, channel: Channel, *, retry: bool = True
) -> ChannelDelivery:
    """Make the delivery's next attempt and record it (LostRace if another consumer
    recorded it first); its status after: succeeded, retrying (with the next attempt's
    time) or failed. `retry` False: one attempt only."""
    now = utcnow()
    number = len(delivery.attempts) + 1
    secrets = None
    made = None
    if channel.secret_version is not None:
        secrets = channel_secrets.read(channel.team_id, channel.id, channel.secret_version)
        try:
            secrets = _with_vault_values(channel.team_id, secrets)
        except Unprocessable as exc:  # a secret used by name deleted or renamed since
            made = Attempt(number=number, at=now, status="failed", error=str(exc.detail))
    if made is None:
        made = channel_senders.send(channel, secrets, delivery, number, now)
    next_at = None
    if made.status == "failed" and retry and made.error not in PERMANENT_ERRORS:
        next_at = next_attempt_at(number - series_start + 1, now, made.retry_after)
    status = "succeeded" if made.status == "succeeded" else "retrying" if next_at else "failed"
    after = delivery.model_copy(
        update={
            "attempts": [*delivery.attempts, made],
            "status": status,
            "next_attempt_at": next_at,
        }
    )
    return channel_delivery_store.save_delivery(delivery, after, series_start)


def _with_vault_values(team_id: str, secrets: ChannelSecrets) -> ChannelSecrets:
    """`secrets` with each vault secret used by name (`{{secrets.NAME}}`) put in, now: a
    rotated secret is sent from its next attempt on."""
    if not any("{{" in secrets.get(field) for field in secrets.values):
        return secrets
    from shared.vault.references import resolve_references

    return ChannelSecrets(
        values={
            field: SecretStr(resolve_references(team_id, secrets.get(field)))
            for field in secrets.values
        }
    )


def deliver(body: dict[str, Any]) -> str:
    """The work of one `notification-deliveries` message; what came of it, for the logs."""
    team_id, channel_id = body["team_id"], body["channel_id"]
    number = int(body.get("attempt") or 1)
    found = channel_delivery_store.get_delivery(channel_id, body["delivery_id"])
    if found is None and number == 1 and "notification" in body:
        channel_delivery_store.add_delivery(new_delivery(body, utcnow()))
        found = channel_delivery_store.get_delivery(channel_id, body["delivery_id"])
    if found is None or found[0].team_id != team_id:
        return "gone"  # expired, or never described
    delivery, series_start = found
    made = len(delivery.attempts)
    if made == number:
        _follow_up(delivery, series_start)  # recorded, but what follows may not be done
        return "already made"
    if made != number - 1:
        return "superseded"
    if body.get("redeliver"):
        series_start = number
    channel = channel_store.get_channel(team_id, channel_id)
    if channel is None or not channel.enabled or channel.type == "in_app":
        why = "deleted" if channel is None else "disabled" if not channel.enabled else "in_app"
        _give_up(delivery, series_start, why)
        return "channel off"
    try:
        after = attempt(delivery, series_start, channel, retry=not delivery.test)
    except LostRace:
        return "made by another"
    _follow_up(after, series_start)
    return after.status


def _give_up(delivery: ChannelDelivery, series_start: int, why: str) -> None:
    """No attempt through a channel deleted or disabled since the notification was made
    (an in_app channel is the inbox's, never sent): the delivery is failed, nothing more."""
    if delivery.status == "failed":
        return
    after = delivery.model_copy(update={"status": "failed", "next_attempt_at": None})
    try:
        channel_delivery_store.save_delivery(delivery, after, series_start)
    except LostRace:
        return
    logger.info("channel delivery not attempted", extra={"delivery_id": delivery.id, "why": why})


def _follow_up(delivery: ChannelDelivery, series_start: int) -> None:
    """The next attempt, scheduled; or after the last failed one, a dead-letter item."""
    number = len(delivery.attempts)
    if delivery.status == "retrying" and delivery.next_attempt_at is not None:
        from shared.schedules import send_later

        send_later(QUEUE, message(delivery, number + 1), delivery.next_attempt_at)
    elif delivery.status == "failed" and delivery.attempts and not delivery.test:
        from shared.dead_letter import service as dead_letter

        last = delivery.attempts[-1]
        logger.warning(
            "channel delivery failed after its last attempt",
            extra={"delivery_id": delivery.id, "attempts": number, "error": last.error},
        )
        # Retrying the item sends this body back to notification-deliveries: a new series
        # of attempts, from the next number.
        dead_letter.add(
            delivery.team_id,
            QUEUE,
            f"notification {delivery.notification.kind!r} through channel {delivery.channel_id} "
            f"failed {number} attempt(s); the last: {last.error}",
            message(delivery, number + 1, redeliver=True),
            QUEUE,
        )

"""A delivery's attempts: sign and send now, record what came of it, then what follows,
the next attempt on the retry schedule or, after the last, the dead-letter queue.

Each `webhook-deliveries` message asks for one attempt, by number. An attempt is recorded
on condition that it is the next one, so a message delivered twice never sends twice
(beside the consumer's idempotency). What follows an attempt is done after recording it;
if that fails the message is received again, finds its attempt recorded, and does only
what follows (scheduling the same next attempt twice is harmless: that attempt's number
is taken once).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.db.versioned import LostRace
from shared.ids import utcnow
from shared.observability import logger
from shared.settings import get_settings
from shared.webhooks import delivery_store, endpoint_store, health, retries, sender, signing
from shared.webhooks.domain import Attempt, Delivery, Webhook

QUEUE = "webhook-deliveries"


def message(delivery: Delivery, attempt: int, *, redeliver: bool = False) -> dict[str, Any]:
    """The `webhook-deliveries` body asking for attempt `attempt` of `delivery`;
    `redeliver`: it begins a new series of the retry schedule (redeliver, recover, a
    dead-letter item retried)."""
    body: dict[str, Any] = {
        "team_id": delivery.team_id,
        "webhook_id": delivery.webhook_id,
        "delivery_id": delivery.id,
        "attempt": attempt,
    }
    if redeliver:
        body["redeliver"] = True
    return body


def strict_urls() -> bool:
    """Deployed, only https to public addresses (shared.url_policy); locally loopback too."""
    return not get_settings().is_local


def send(webhook: Webhook, delivery: Delivery, number: int, now: datetime) -> Attempt:
    """Attempt `number`: the stored body, signed now with every secret that signs."""
    headers = signing.headers(webhook.signing_secrets(now), delivery.message_id, now, delivery.body)
    outcome = sender.post(webhook.url, delivery.body, headers, strict=strict_urls())
    return Attempt(
        number=number,
        at=now,
        status="succeeded" if outcome.ok else "failed",
        response_code=outcome.response_code,
        latency_ms=outcome.latency_ms,
        error=outcome.error,
        retry_after=outcome.retry_after,
    )


def attempt(
    delivery: Delivery, series_start: int, webhook: Webhook, *, retry: bool = True
) -> Delivery:
    """Make the delivery's next attempt and record it (LostRace if another consumer
    recorded it first); its status after: succeeded, retrying (with its next attempt's
    time) or failed. `retry` False: one attempt only (a test delivery)."""
    now = utcnow()
    number = len(delivery.attempts) + 1
    made = send(webhook, delivery, number, now)
    next_at = None
    if made.status == "failed" and retry:
        next_at = retries.next_attempt_at(number - series_start + 1, now, made.retry_after)
    status = "succeeded" if made.status == "succeeded" else "retrying" if next_at else "failed"
    after = delivery.model_copy(
        update={
            "attempts": [*delivery.attempts, made],
            "status": status,
            "last_response_code": made.response_code,
            "next_attempt_at": next_at,
        }
    )
    delivery_store.save_delivery(delivery, after, series_start)
    try:
        health.note(webhook.team_id, webhook.id, made.status == "succeeded", now)
    except Exception:  # the endpoint's health is bookkeeping: the delivery is recorded
        logger.exception("webhook health not recorded", extra={"webhook_id": webhook.id})
    return after


def deliver(body: dict[str, Any]) -> str:
    """The work of one `webhook-deliveries` message; what came of it, for the logs."""
    team_id, webhook_id = body["team_id"], body["webhook_id"]
    number = int(body["attempt"])
    found = delivery_store.get_delivery(webhook_id, body["delivery_id"])
    if found is None or found[0].team_id != team_id:
        return "gone"  # expired, or its endpoint deleted
    delivery, series_start = found
    made = len(delivery.attempts)
    if made == number:
        _follow_up(delivery, series_start)  # recorded, but what follows may not be done
        return "already made"
    if made != number - 1:
        return "superseded"
    if body.get("redeliver"):
        series_start = number
    webhook = endpoint_store.get_webhook(team_id, webhook_id)
    if webhook is None or not webhook.enabled:
        _give_up(delivery, series_start, "deleted" if webhook is None else "disabled")
        return "endpoint off"
    try:
        after = attempt(delivery, series_start, webhook)
    except LostRace:
        return "made by another"
    _follow_up(after, series_start)
    return after.status


def _give_up(delivery: Delivery, series_start: int, why: str) -> None:
    """No attempt to an endpoint deleted or disabled: the delivery is failed (`recover`
    sends it again once the endpoint is enabled)."""
    if delivery.status == "failed":
        return
    after = delivery.model_copy(update={"status": "failed", "next_attempt_at": None})
    try:
        delivery_store.save_delivery(delivery, after, series_start)
    except LostRace:
        return
    logger.info("delivery not attempted", extra={"delivery_id": delivery.id, "endpoint": why})


def _follow_up(delivery: Delivery, series_start: int) -> None:
    """The next attempt, scheduled; or after the last failed one, a dead-letter item."""
    from shared.schedules import send_later

    number = len(delivery.attempts)
    if delivery.status == "retrying" and delivery.next_attempt_at is not None:
        send_later(QUEUE, message(delivery, number + 1), delivery.next_attempt_at)
    elif delivery.status == "failed" and delivery.attempts:
        from shared.dead_letter import service as dead_letter

        last = delivery.attempts[-1]
        logger.warning(
            "delivery failed after its last attempt",
            extra={"delivery_id": delivery.id, "attempts": number, "error": last.error},
        )
        # Retrying the item sends this body back to webhook-deliveries: a new series of
        # attempts, from the next number.
        dead_letter.add(
            delivery.team_id,
            "webhook-deliveries",
            f"{delivery.event_type} to webhook {delivery.webhook_id} failed {number} attempts; "
            f"the last: {last.error}",
            message(delivery, number + 1, redeliver=True),
            QUEUE,
        )

"""An endpoint's health: when it started failing, when it last succeeded, and disabling
it after 5 days of failures without one success (it says why on its record, and
`webhook.endpoint.disabled` tells the team's other endpoints and triggers)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared import events
from shared.db.versioned import update_versioned
from shared.observability import logger
from shared.webhooks import endpoint_store
from shared.webhooks.catalog import ENDPOINT_DISABLED
from shared.webhooks.domain import DISABLE_AFTER, Webhook

# A success is written on the endpoint at most this often while it is healthy (one write
# per delivery would make the endpoint's item the hottest of the table).
SUCCESS_WRITE_INTERVAL = timedelta(hours=1)


def note(team_id: str, webhook_id: str, ok: bool, now: datetime) -> Webhook | None:
    """Record an attempt's outcome on the endpoint; the endpoint as written (None when it
    is gone or nothing needed writing)."""

    def read() -> Webhook | None:
        return endpoint_store.get_webhook(team_id, webhook_id, consistent=True)

    disabled: list[Webhook] = []

    def change(current: Webhook | None) -> Webhook | None:
        disabled.clear()
        if current is None:
            return None
        if ok:
            recent = (
                current.last_success_at and now - current.last_success_at < SUCCESS_WRITE_INTERVAL
            )
            if current.failing_since is None and recent:
                return None
            update: dict[str, Any] = {"failing_since": None, "last_success_at": now}
        elif current.failing_since is None:
            update = {"failing_since": now}
        elif current.enabled and now - current.failing_since >= DISABLE_AFTER:
            reason = (
                f"failing since {current.failing_since.isoformat()} without a success for "
                f"{DISABLE_AFTER.days} days"
            )
            update = {"enabled": False, "disabled_reason": reason}
        else:
            return None
        written = endpoint_store.save_webhook(
            current, current.model_copy(update={**update, "updated_at": now})
        )
        if "disabled_reason" in update:
            disabled.append(written)
        return written

    written = update_versioned(read, change, what="webhook")
    for webhook in disabled:
        _announce_disabled(webhook)
    return written


def _announce_disabled(webhook: Webhook) -> None:
    logger.warning(
        "webhook endpoint disabled",
        extra={
            "team_id": webhook.team_id,
            "webhook_id": webhook.id,
            "reason": webhook.disabled_reason,
        },
    )
    events.publish(
        ENDPOINT_DISABLED,
        {
            "team_id": webhook.team_id,
            "webhook_id": webhook.id,
            "url": webhook.url,
            "failing_since": webhook.failing_since.isoformat() if webhook.failing_since else None,
            "reason": webhook.disabled_reason,
        },
    )

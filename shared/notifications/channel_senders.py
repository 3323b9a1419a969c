"""One attempt of a notification through a channel, by type: e-mail through Amazon SES
(sesv2 SendEmail, one message per address: recipients never see each other's), Slack's
incoming webhook (`{text}`), Telegram's Bot API (`sendMessage` under the base URL
setting), or a webhook signed as our outbound webhooks are (Standard Webhooks, the
channel's own secret).

HTTP goes through shared.webhooks.sender: the URL checked again at each attempt and the
connection pinned to the address checked (deployed: https to public addresses only), 15 s,
no redirects, 2xx succeeds, Retry-After kept. An error never carries a secret: the sender
records the failure's class, never the URL.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared.notifications.channel_domain import (
    Attempt,
    Channel,
    ChannelDelivery,
    ChannelSecrets,
)
from shared.settings import get_settings
from shared.webhooks import sender, signing

# Slack and Telegram cap a message's text; a longer body is cut, never refused.
SLACK_TEXT_LIMIT = 3000
TELEGRAM_TEXT_LIMIT = 4096
# The type of the webhook channel's body (`{type, timestamp, data}`, as our webhooks).
WEBHOOK_TYPE = "notification"


def strict_urls() -> bool:
    """Deployed, only https to public addresses (shared.url_policy); locally loopback too."""
    return not get_settings().is_local


def send(
    channel: Channel,
    secrets: ChannelSecrets | None,
    delivery: ChannelDelivery,
    number: int,
    now: datetime,
) -> Attempt:
    """Attempt `number` of `delivery` through `channel`, made now."""
    match channel.type:
        case "email":
            return _email(channel, delivery, number, now)
        case "slack" if secrets is not None:
            return _post(number, now, secrets.get("webhook_url"), {"text": _slack_text(delivery)})
        case "telegram" if secrets is not None:
            url = f"{get_settings().telegram_api_url.rstrip('/')}/bot{secrets.get('bot_token')}"
            body = {
                "chat_id": channel.settings["chat_id"],
                "text": _plain_text(delivery)[:TELEGRAM_TEXT_LIMIT],
                "disable_web_page_preview": True,
            }
            return _post(number, now, f"{url}/sendMessage", body)
        case "webhook" if secrets is not None:
            return _webhook(channel, secrets, delivery, number, now)
    return Attempt(number=number, at=now, status="failed", error=f"{channel.type}: nothing to send")


def _plain_text(delivery: ChannelDelivery) -> str:
    note = delivery.notification
    lines = [note.title, "", note.body]
    if note.link:
        lines += ["", note.link]
    return "\n".join(lines).strip()


def _slack_text(delivery: ChannelDelivery) -> str:
    note = delivery.notification
    # Slack's mrkdwn: &, < and > are its control characters.
    escape = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
    text = f"*{note.title.translate(escape)}*\n{note.body.translate(escape)}"
    if note.link:
        text += f"\n<{note.link.translate(escape)}|Open>"
    return text[:SLACK_TEXT_LIMIT]


def _post(
    number: int,
    now: datetime,
    url: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Attempt:
    return _post_text(number, now, url, json.dumps(body), headers or {})


def _post_text(number: int, now: datetime, url: str, text: str, headers: dict[str, str]) -> Attempt:
    outcome = sender.post(url, text, headers, strict=strict_urls())
    return Attempt(
        number=number,
        at=now,
        status="succeeded" if outcome.ok else "failed",
        response_code=outcome.response_code,
        latency_ms=outcome.latency_ms,
        error=outcome.error,
        retry_after=outcome.retry_after,
    )


def _webhook(
    channel: Channel,
    secrets: ChannelSecrets,
    delivery: ChannelDelivery,
    number: int,
    now: datetime,
) -> Attempt:
    note = delivery.notification
    data = {
        "team_id": delivery.team_id,
        "channel_id": channel.id,
        **note.model_dump(),
        "test": delivery.test,
    }
    text = json.dumps(
        {"type": WEBHOOK_TYPE, "timestamp": delivery.created_at.isoformat(), "data": data}
    )
    # The same id on every attempt: a receiver drops a repeat by it.
    headers = signing.headers([secrets.get("signing_secret")], f"msg_{delivery.id}", now, text)
    return _post_text(number, now, secrets.get("url"), text, headers)


def email_addresses(channel: Channel, delivery: ChannelDelivery) -> list[str]:
    """Where the e-mail goes: the channel's own `to`, else the recipients' addresses."""
    given = channel.settings.get("to")
    wanted = list(given) if given else [r.email for r in delivery.recipients if r.email]
    return list(dict.fromkeys(address.lower() for address in wanted))


def _email(channel: Channel, delivery: ChannelDelivery, number: int, now: datetime) -> Attempt:
    """One message per address not reached yet; the attempt fails if any was refused (a
    retry sends to those alone)."""
    done = delivery.sent_to()
    addresses = [a for a in email_addresses(channel, delivery) if a not in done]
    if not addresses and not done:
        return Attempt(number=number, at=now, status="failed", error="no recipient address")
    from shared.email import send_text

    note = delivery.notification
    started = time.perf_counter()
    sent: list[str] = []
    errors: list[str] = []
    for address in addresses:
        try:
            send_text(address, note.title, _plain_text(delivery))
            sent.append(address)
        except (ClientError, BotoCoreError) as exc:
            code = (
                exc.response.get("Error", {}).get("Code", "")
                if isinstance(exc, ClientError)
                else ""
            )
            errors.append(code or type(exc).__name__)
    latency = int((time.perf_counter() - started) * 1000)
    failed = len(addresses) - len(sent)
    return Attempt(
        number=number,
        at=now,
        status="failed" if failed else "succeeded",
        latency_ms=latency,
        error=f"SES refused {failed} of {len(addresses)}: {', '.join(sorted(set(errors)))}"
        if failed
        else None,
        sent_to=sent,
    )

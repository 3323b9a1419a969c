"""What a notification says for each kind of event: a title and a body in words, and a
link to what it is about (an API path). A kind without words of its own gets the
catalog's description and its fields; a field an event lacks reads as "?"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from shared.notifications.domain import Message
from shared.webhooks import catalog

MAX_TITLE = 200
MAX_BODY = 2000

Words = Callable[["_Fields"], tuple[str, str]]


class _Fields:
    """An event's data, read as text: `fields["slug"]` is the value, or "?" when absent."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def __getitem__(self, name: str) -> str:
        value = self.data.get(name)
        return "?" if value is None or value == "" else str(value)

    def usd(self, name: str) -> str:
        value = self.data.get(name)
        return f"${value:,.2f}" if isinstance(value, int | float) else "?"

    def job(self) -> str:
        return self["slug"] if self.data.get("slug") else self["job_id"]

    def say(self, name: str, before: str = "", after: str = "") -> str:
        """`before + value + after` when the event has the field, else nothing."""
        value = self.data.get(name)
        return f"{before}{value}{after}" if value not in (None, "") else ""


def _job_failed(f: _Fields) -> tuple[str, str]:
    phase = f.say("phase", " in the ", " phase")
    return f"Job {f.job()} failed", f"The job {f.job()} failed{phase}.{f.say('message', ' ')}"


def _approval(f: _Fields) -> tuple[str, str]:
    if f.data.get("kind") == "request":  # POST /approvals, a workflow's approval step
        return (
            f"Approval waiting: {f['title']}",
            f"{f['title']} waits for a decision.{f.say('description', ' ')}",
        )
    return (
        f"Approval waiting: {f.job()}",
        f"The {f['phase']} phase of job {f.job()} waits for a person's approval"
        f"{f.say('kind', ' (', ')')}.",
    )


def _threshold(f: _Fields) -> tuple[str, str]:
    period = {"day": "daily", "month": "monthly"}.get(f["period"], f["period"])
    return (
        f"Budget at {f['threshold']}% of the {period} limit",
        f"The team has spent {f.usd('spent_usd')} of its {period} budget of "
        f"{f.usd('limit_usd')} (period starting {f['period_start']}).",
    )


def _endpoint_disabled(f: _Fields) -> tuple[str, str]:
    return (
        "Webhook endpoint disabled",
        f"The webhook endpoint {f['url']} was disabled: {f['reason']}. Enable it again "
        "once it answers; its missed deliveries can be recovered.",
    )


def _trigger_paused(f: _Fields) -> tuple[str, str]:
    return (
        f"Trigger paused: {f['name']}",
        f"The trigger {f['name']} was paused after {f['failures']} failures in a row. "
        f"The last error: {f['error']}",
    )


def _job_status(words: str) -> Words:
    return lambda f: (
        f"Job {f.job()} {words}",
        f"The job {f.job()} {words}.{f.say('message', ' ')}",
    )


def _phase(words: str) -> Words:
    return lambda f: (
        f"{f['phase']} {words}: {f.job()}",
        f"The {f['phase']} phase of job {f.job()} {words}.{f.say('message', ' ')}",
    )


def _breaker(words: str) -> Words:
    return lambda f: (
        f"Provider {f['provider']}: circuit {words}",
        f"The circuit breaker of provider {f['provider']} {words} "
        f"({f['from']} to {f['to']}, {f['failures']} failures, {f['reason']}).",
    )


WORDS: Final[dict[str, Words]] = {
    "job.failed": _job_failed,
    "approval.requested": _approval,
    "budget.threshold_crossed": _threshold,
    catalog.ENDPOINT_DISABLED: _endpoint_disabled,
    "trigger.paused": _trigger_paused,
    "job.created": _job_status("was queued"),
    "job.completed": _job_status("completed"),
    "job.cancelled": _job_status("was cancelled"),
    "job.budget_exhausted": _job_status("stopped: the budget is spent"),
    "job.phase.started": _phase("started"),
    "job.phase.completed": _phase("completed"),
    "job.phase.retrying": _phase("is being retried"),
    "job.phase.failed": _phase("failed"),
    "circuit_breaker.opened": _breaker("opened"),
    "circuit_breaker.half_opened": _breaker("half-opened"),
    "circuit_breaker.closed": _breaker("closed"),
    "trigger.fired": lambda f: (
        f"Trigger fired: {f['name']}",
        f"The trigger {f['name']} fired: {f['outcome']}{f.say('job_id', ', job ')}.",
    ),
    "hook.received": lambda f: (
        f"Inbound event: {f['sender_type']}",
        f"The source {f['source_id']} received a {f['sender_type']} event ({f['scheme']}).",
    ),
}

# What a notification links to: the first field of the event that names an object.
_LINKS: Final = (
    ("approval_id", "/approvals/{}"),
    ("job_id", "/jobs/{}"),
    ("trigger_id", "/triggers/{}"),
    ("webhook_id", "/webhooks/{}"),
    ("source_id", "/webhooks/sources/{}"),
)


def message(event: Mapping[str, Any]) -> Message:
    """What to say of an event (its envelope: `{id, type, timestamp, data}`)."""
    kind = str(event.get("type") or "event")
    data = event.get("data") or {}
    fields = _Fields(data)
    words = WORDS.get(kind)
    title, body = words(fields) if words else _generic(kind, data)
    return Message(
        kind=kind,
        title=_cap(title, MAX_TITLE),
        body=_cap(body, MAX_BODY),
        event_id=str(event.get("id") or ""),
        link=_link(data),
    )


def _generic(kind: str, data: Mapping[str, Any]) -> tuple[str, str]:
    known = next((known for known in catalog.EVENT_TYPES if known.type == kind), None)
    described = known.description if known else f"a {kind} event"
    details = ", ".join(
        f"{name}: {value}"
        for name, value in data.items()
        if name != "team_id" and isinstance(value, str | int | float | bool)
    )
    return kind, f"{described[:1].upper()}{described[1:]}." + (f" {details}" if details else "")


def _link(data: Mapping[str, Any]) -> str | None:
    for name, path in _LINKS:
        value = data.get(name)
        if isinstance(value, str) and value:
            return path.format(value)
    return None


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

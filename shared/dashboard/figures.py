"""The team's dashboard figures, from counters only (a handful of GetItems and two bounded
COUNT Queries, whatever the team's or the platform's size):

- products: drafts, published, listed (shared.products.store.team_counts)
- orders paid, revenue and refunds (shared.payments.store.team_counts)
- support sessions open and escalated (shared.support.store.count_queue: a COUNT Query
  on the seller's queue index, bounded at SUPPORT_COUNT_CAP; `support_capped` says so)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final

from shared.ids import utcnow

SUPPORT_COUNT_CAP: Final = 1000
# How long an EventSource waits before it reconnects to the metrics stream (ms).
STREAM_RETRY_MS: Final = 5000
STREAM_EVENT: Final = "metrics"


@dataclass(frozen=True, slots=True)
class Figures:
    products_drafts: int
    products_published: int
    products_listed: int
    orders_paid: int
    revenue_cents: int
    refunded_cents: int
    support_open: int
    support_escalated: int
    support_capped: bool
    generated_at: datetime


def team_figures(team_id: str) -> Figures:
    from shared.payments import store as payments
    from shared.products import store as products
    from shared.support import store as support

    made = products.team_counts(team_id)
    paid = payments.team_counts(team_id)
    open_ = support.count_queue(team_id, "open", at_most=SUPPORT_COUNT_CAP)
    escalated = support.count_queue(team_id, "escalated", at_most=SUPPORT_COUNT_CAP)
    return Figures(
        products_drafts=made["drafts"],
        products_published=made["published"],
        products_listed=made["listed"],
        orders_paid=paid["orders_paid"],
        revenue_cents=paid["revenue_cents"],
        refunded_cents=paid["refunded_cents"],
        support_open=open_,
        support_escalated=escalated,
        support_capped=max(open_, escalated) >= SUPPORT_COUNT_CAP,
        generated_at=utcnow(),
    )


def stream_event(data: dict[str, object], event_id: str) -> str:
    """One server-sent event: the reconnect delay, the event's name and id, its JSON data
    (one line: JSON has no raw newline), and the blank line that ends it."""
    body = json.dumps(data, separators=(",", ":"), default=str)
    return f"retry: {STREAM_RETRY_MS}\nevent: {STREAM_EVENT}\nid: {event_id}\ndata: {body}\n\n"


def public(figures: Figures) -> dict[str, Any]:
    """The figures as the dashboard answers them (amounts in dollars): the route's body, the
    stream's data and the `dashboard.metrics` event's."""
    answer: dict[str, Any] = asdict(figures)
    answer["revenue_usd"] = answer.pop("revenue_cents") / 100
    answer["refunded_usd"] = answer.pop("refunded_cents") / 100
    return answer

"""Telemetry's rules: a batch from a product page's client is kept for the sellers whose
listed products it names (one object per seller and batch) and counted per product, day and
event name; events of products that are not listed are refused, not kept. A seller reads
its products' counters, never another's."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shared.errors import NotFound
from shared.ids import new_id, utcnow
from shared.products import store as products
from shared.telemetry import store
from shared.telemetry.domain import DayCount, TelemetryEvent


@dataclass(frozen=True, slots=True)
class Ingested:
    accepted: int
    rejected: int


def ingest(events: list[TelemetryEvent]) -> Ingested:
    received = utcnow()
    today = received.date()
    sellers: dict[str, str | None] = {}
    kept: dict[str, list[dict[str, Any]]] = defaultdict(list)
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    rejected = 0
    for event in events:
        if event.product_id not in sellers:
            product = products.get_listed_product(event.product_id)
            sellers[event.product_id] = product.team_id if product else None
        seller = sellers[event.product_id]
        if seller is None:
            rejected += 1
            continue
        kept[seller].append(
            {
                "name": event.name,
                "product_id": event.product_id,
                "session_id": event.session_id,
                "properties": event.properties,
                "timestamp": (event.timestamp or received).isoformat(),
                "received_at": received.isoformat(),
            }
        )
        counts[seller, event.product_id][event.name] += 1
    batch_id = new_id()
    for seller, lines in kept.items():
        store.put_batch(store.batch_key(seller, received, batch_id), lines)
    for (seller, product_id), by_name in counts.items():
        store.count(seller, product_id, today, by_name)
    return Ingested(accepted=len(events) - rejected, rejected=rejected)


@dataclass(frozen=True, slots=True)
class Summary:
    product_id: str
    first: date
    last: date
    total: int
    by_name: dict[str, int]
    by_day: list[tuple[date, int]]


def summary(team_id: str, product_id: str, days: int) -> Summary:
    """The team's product's counters over the last `days` days (today included)."""
    product = products.get_product(team_id, product_id)
    if product is None:
        raise NotFound("product not found")
    last = utcnow().date()
    first = last - timedelta(days=days - 1)
    rows: list[DayCount] = store.counts_between(product.id, first, last)
    by_name: Counter[str] = Counter()
    by_day: Counter[date] = Counter()
    for row in rows:
        by_name[row.name] += row.count
        by_day[row.day] += row.count
    return Summary(
        product_id=product.id,
        first=first,
        last=last,
        total=sum(by_name.values()),
        by_name=dict(by_name.most_common()),
        by_day=sorted(by_day.items()),
    )

"""Telemetry's counters and batch objects (keys in shared.telemetry.models): the only
module of the area that touches the table and the bucket."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.aws import client
from shared.db.base import storage_errors
from shared.settings import get_settings
from shared.telemetry.domain import KEPT_DAYS, DayCount
from shared.telemetry.models import TelemetryCountItem, day_key, product_partition


def batch_key(seller_id: str, at: datetime, batch_id: str) -> str:
    return f"telemetry/{seller_id}/{at:%Y/%m/%d}/{batch_id}.ndjson"


def put_batch(key: str, lines: list[dict[str, Any]]) -> None:
    """One object holding the batch's events, one JSON document per line."""
    body = "".join(json.dumps(line, separators=(",", ":"), default=str) + "\n" for line in lines)
    with storage_errors("telemetry"):
        client("s3").put_object(
            Bucket=get_settings().artifacts_bucket,
            Key=key,
            Body=body.encode(),
            ContentType="application/x-ndjson",
        )


def count(seller_id: str, product_id: str, day: date, counts: Counter[str]) -> None:
    """Add each event name's count to the product's counter of that day (one update each)."""
    expires = datetime.combine(day, datetime.min.time(), UTC) + timedelta(days=KEPT_DAYS)
    for name, added in counts.items():
        item = TelemetryCountItem(product_partition(product_id), day_key(day, name))
        with storage_errors("telemetry"):
            item.update(
                [
                    TelemetryCountItem.total.add(added),
                    TelemetryCountItem.name.set(name),
                    TelemetryCountItem.team_id.set(seller_id),
                    TelemetryCountItem.expires_at.set(expires),
                ],
                add_version_condition=False,
            )


def counts_between(product_id: str, first: date, last: date) -> list[DayCount]:
    """The product's counters from `first` to `last` (both included): one Query."""
    with storage_errors("telemetry"):
        items = TelemetryCountItem.query(
            product_partition(product_id),
            TelemetryCountItem.sk.between(day_key(first), day_key(last) + "\uffff"),
        )
        return [
            DayCount(date.fromisoformat(item.sk.split("#", 1)[0]), item.name, int(item.total))
            for item in items
        ]

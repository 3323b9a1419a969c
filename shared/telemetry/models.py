"""How telemetry counters are stored, in the storefront table (the seller's team is the
item's team_id); the events themselves are objects in the bucket,
`telemetry/<seller>/<yyyy>/<mm>/<dd>/<batch>.ndjson`:

pk = TELEMETRY#<product>   sk = <yyyy-mm-dd>#<event name>   total (ADD only), TTL
"""

from __future__ import annotations

from datetime import date

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from shared.db.base import TeamItem, table_meta


def product_partition(product_id: str) -> str:
    return f"TELEMETRY#{product_id}"


def day_key(day: date, name: str = "") -> str:
    return f"{day.isoformat()}#{name}"


class TelemetryCountItem(TeamItem):
    Meta = table_meta("storefront")

    name = UnicodeAttribute()
    total = NumberAttribute(default=0)

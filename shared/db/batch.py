"""Items read by key in one BatchGetItem, from one table or several.

One request for what a caller needs at once (the router reads a team's budget, its
rollups and its providers' breakers together). Strongly consistent: its callers decide on
what was just written. Keys DynamoDB leaves unprocessed (throttling) are asked for again
after a short backoff.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.models import Model

from shared.aws import client
from shared.errors import ServiceUnavailable

# (model, hash key, range key): the model says which table, and what the item becomes.
type ItemKey = tuple[type[Model], str, str]

_ATTEMPTS = 5
# BatchGetItem's own limit per request.
MAX_KEYS = 100


def get_many(keys: Sequence[ItemKey]) -> dict[ItemKey, Any]:
    """The stored items under `keys` (distinct, at most 100), by key; keys with no item are
    absent. ServiceUnavailable when storage cannot answer."""
    wanted = list(dict.fromkeys(keys))
    if len(wanted) > MAX_KEYS:
        raise ValueError(f"one BatchGetItem reads at most {MAX_KEYS} keys")
    by_table: dict[str, dict[tuple[str, str], ItemKey]] = {}
    for key in wanted:
        model, hash_key, range_key = key
        by_table.setdefault(model.Meta.table_name, {})[(hash_key, range_key)] = key
    pending = {
        table: {"Keys": [_raw_key(key) for key in found.values()], "ConsistentRead": True}
        for table, found in by_table.items()
    }
    items: dict[ItemKey, Any] = {}
    for attempt in range(_ATTEMPTS):
        try:
            answer = client("dynamodb").batch_get_item(RequestItems=pending)
        except (BotoCoreError, ClientError) as exc:
            raise ServiceUnavailable("Storage is unavailable; try again shortly") from exc
        for table, raws in answer.get("Responses", {}).items():
            for raw in raws:
                key = by_table[table][(raw["pk"]["S"], raw["sk"]["S"])]
                items[key] = key[0].from_raw_data(raw)
        pending = answer.get("UnprocessedKeys") or {}
        if not pending:
            return items
        time.sleep(0.05 * 2**attempt)  # throttled: back off before asking for the rest
    raise ServiceUnavailable("Storage is unavailable; try again shortly")


def _raw_key(key: ItemKey) -> dict[str, dict[str, str]]:
    _, hash_key, range_key = key
    return {"pk": {"S": hash_key}, "sk": {"S": range_key}}

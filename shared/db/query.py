"""Paged DynamoDB queries: always a Query on a key, never a Scan."""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.indexes import Index
from pynamodb.models import Model

from shared.db.base import storage_errors
from shared.errors import BadRequest
from shared.pagination import PageParams, decode_cursor, encode_cursor


def _flatten(key: dict[str, dict[str, str]]) -> dict[str, str]:
    return {name: value["S"] for name, value in key.items()}


def query_page[M: Model](
    source: type[M] | Index[M],
    hash_key: str,
    params: PageParams,
    *,
    range_key_condition: Condition | None = None,
    filter_condition: Condition | None = None,
    newest_first: bool = True,
) -> tuple[list[M], int, str | None]:
    """One page of the items under `hash_key`: (items, total, next_cursor).

    With a cursor the page starts after the cursor's key (offset is ignored); without,
    `offset` items are skipped. The cursor must belong to `hash_key`'s partition.
    """
    hash_name = source._hash_key_attribute().attr_name
    start_key: dict[str, Any] | None = None
    skip = params.offset
    if params.cursor is not None:
        flat = decode_cursor(params.cursor)
        if flat.get(hash_name) != hash_key:
            raise BadRequest("Invalid cursor")
        start_key = {name: {"S": value} for name, value in flat.items()}
        skip = 0
    with storage_errors("list"):
        results = source.query(
            hash_key,
            range_key_condition,
            filter_condition=filter_condition,
            scan_index_forward=not newest_first,
            limit=skip + params.limit,
            last_evaluated_key=start_key,
        )
        items = list(results)[skip:]
        last_key = results.last_evaluated_key
        total = source.count(hash_key, range_key_condition, filter_condition=filter_condition)
    next_cursor = encode_cursor(_flatten(last_key)) if last_key and items else None
    return items, total, next_cursor


def prefix_page[M: Model](
    model: type[M],
    partition: str,
    prefix: str,
    params: PageParams,
    *,
    newest_first: bool = True,
    filter_condition: Condition | None = None,
) -> tuple[list[M], str | None]:
    """One page of the items of `partition` whose sort key starts with `prefix` (and that
    pass `filter_condition`): (items, next_cursor), without a count (the caller keeps one in
    counters). A cursor of another list (another team, prefix or parent) is refused:
    "Invalid cursor"."""
    hash_key, range_key = model._hash_key_attribute(), model._range_key_attribute()
    start_key: dict[str, Any] | None = None
    skip = params.offset
    if params.cursor is not None:
        flat = decode_cursor(params.cursor)
        sort = flat.get(range_key.attr_name, "")
        if flat.get(hash_key.attr_name) != partition or not sort.startswith(prefix):
            raise BadRequest("Invalid cursor")
        start_key = {name: {"S": value} for name, value in flat.items()}
        skip = 0
    with storage_errors("list"):
        results = model.query(
            partition,
            range_key.startswith(prefix),
            filter_condition=filter_condition,
            scan_index_forward=not newest_first,
            limit=skip + params.limit,
            last_evaluated_key=start_key,
        )
        items = list(results)[skip:]
        last = results.last_evaluated_key
    return items, encode_cursor(_flatten(last)) if last and items else None

"""List parameters and the page shape every list route answers with.

``limit`` (1..100, default 20) with either ``offset`` or an opaque ``cursor`` from a
previous page's ``next_cursor``. Cursors carry a DynamoDB key; ``shared.db.query``
checks that a cursor belongs to the partition being listed.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import BadRequest, error_responses

MAX_LIMIT = 100
# A list route answers 400 for a cursor that is not one of ours. No schema can say which
# strings those are: a cursor holds a key of the listed partition, which only the server
# knows (schemathesis.toml expects this 400 on list routes for that reason).
LIST_RESPONSES = error_responses(400)
LIST_RESPONSES[400]["description"] = (
    "Invalid cursor: a cursor is valid only as a previous page's next_cursor of this list"
)


class PageParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=MAX_LIMIT, description="Items per page")
    offset: int = Field(default=0, ge=0, le=10_000, description="Items to skip (without cursor)")
    cursor: str | None = Field(
        default=None,
        max_length=2048,
        description="next_cursor of the previous page, as it was given (opaque; any other "
        "value is answered 400)",
    )


Pagination = Annotated[PageParams, Query()]


class Page[ItemT](BaseModel):
    model_config = ConfigDict(defer_build=True)

    items: list[ItemT]
    total: int
    limit: int
    offset: int
    next_cursor: str | None = None


def page_answer(
    items: list[Any], total: int, params: PageParams, next_cursor: str | None
) -> dict[str, Any]:
    """The answer of a list route, in the shape `Page` documents."""
    return {
        "items": items,
        "total": total,
        "limit": params.limit,
        "offset": params.offset,
        "next_cursor": next_cursor,
    }


def encode_cursor(key: dict[str, str]) -> str:
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest("Invalid cursor") from exc
    if not isinstance(key, dict) or not all(
        isinstance(name, str) and isinstance(value, str) for name, value in key.items()
    ):
        raise BadRequest("Invalid cursor")
    return key

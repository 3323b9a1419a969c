"""The PynamoDB base for team-scoped items, and the translation of storage errors.

Every item's partition key starts with its team (``TEAM#<team_id>``), so a query can
only ever reach one team's items. The storefront table's public side is the exception:
the listing, customers, orders and their like belong to no team, so their keys start with
their kind, and each is read by the routes that serve it. The ``version`` attribute makes
every save and delete conditional on the version read (a lost race is ``Conflict``, 409).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import (
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import DoesNotExist, PynamoDBException
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from shared.errors import Conflict, NotFound, ServiceUnavailable
from shared.settings import get_settings


def utcnow() -> datetime:
    return datetime.now(UTC)


def team_partition(team_id: str) -> str:
    return f"TEAM#{team_id}"


# Every DynamoDB client of the project: a Lambda cannot wait out a stuck connection, and
# botocore's standard retries (throttling, 5xx) are attempted this often.
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 10
MAX_RETRY_ATTEMPTS = 3


def table_meta(table_key: str) -> Any:  # PynamoDB's MetaProtocol, which it does not export
    """The PynamoDB ``Meta`` of a model stored in the table ``table_key`` of shared.db.tables."""
    settings = get_settings()
    return type(
        "Meta",
        (),
        {
            "table_name": settings.table_name(table_key),
            "region": settings.aws_region,
            "connect_timeout_seconds": CONNECT_TIMEOUT_SECONDS,
            "read_timeout_seconds": READ_TIMEOUT_SECONDS,
            "max_retry_attempts": MAX_RETRY_ATTEMPTS,
        },
    )


class TeamItem(Model):
    """Base of every stored item. Subclasses set ``Meta = table_meta("<table>")``."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    version = VersionAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class Gsi1Index[M: Model](GlobalSecondaryIndex[M]):
    """The `gsi1` of every table (shared.db.tables), all attributes projected: a model lists
    its items by another key through it (`by_status: Gsi1Index[Item] = Gsi1Index()`).
    PynamoDB gives each model its own copy of the index, so one class serves them all."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


_CONDITION_FAILED = ("ConditionalCheckFailedException", "TransactionCanceledException")


@contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """Turn PynamoDB errors into domain errors, never echoing AWS error text."""
    try:
        yield
    except DoesNotExist as exc:
        raise NotFound(f"{what} not found") from exc
    except PynamoDBException as exc:
        if exc.cause_response_code in _CONDITION_FAILED:
            raise Conflict(f"{what} was changed by another request; reload and retry") from exc
        raise ServiceUnavailable("Storage is unavailable; try again shortly") from exc


def get_or_none[M: Model](
    model: type[M], hash_key: str, range_key: str, *, consistent: bool = False
) -> M | None:
    """The item under these keys, or None; storage failures as `storage_errors` says.

    `consistent`: a strongly consistent read (twice the cost), for a read whose version a
    conditional write is about to be checked against."""
    try:
        with storage_errors(model.__name__):
            return model.get(hash_key, range_key, consistent_read=consistent)
    except NotFound:
        return None


def counts_of(
    model: type[Model], hash_key: str, range_key: str, names: tuple[str, ...]
) -> dict[str, int]:
    """The named counters of an item only ever ADDed to (0 for a counter, or an item, never
    written)."""
    item = get_or_none(model, hash_key, range_key)
    return {name: int(getattr(item, name) or 0) if item else 0 for name in names}


def insert[M: TeamItem](item: M, what: str, *, taken: str | None = None) -> M:
    """Store `item` only if nothing is stored under its keys yet: an item already there is
    `Conflict` (`taken` its message, else the generic one), never overwritten."""
    try:
        with storage_errors(what):
            item.save(condition=type(item).pk.does_not_exist())
    except Conflict as exc:
        if taken is None:
            raise
        raise Conflict(taken) from exc
    return item

"""Sources' storage: the team's source item and the public path's lookup item, written and
deleted together (keys in shared.hooks.models); `Source` and `SourceLookup` out."""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.transactions import TransactWrite

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import query_page
from shared.db.transactions import condition_failed, transact
from shared.errors import Conflict, NotFound
from shared.hooks.domain import Source, SourceLookup
from shared.hooks.models import (
    LOOKUP_SK,
    SOURCE_PREFIX,
    SourceItem,
    SourceLookupItem,
    source_key,
)
from shared.ids import looks_like_id
from shared.pagination import PageParams

# Our ids are ULIDs: anything else is no source of ours (and a long one would not even be
# a valid key), so it is answered as not found without asking DynamoDB.


def _to_source(item: SourceItem) -> Source:
    return Source(
        id=item.source_id,
        team_id=item.team_id,
        name=item.name,
        scheme=item.scheme,  # type: ignore[arg-type]  # written from a Scheme
        header=item.header,
        secret=item.secret,
        created_at=item.created_at,
        purpose="payments" if item.purpose == "payments" else "events",
    )


def create_source(source: Source) -> Source:
    """Store the source and its lookup in one transaction (a taken id is Conflict)."""

    def write(transaction: TransactWrite) -> None:
        transaction.save(
            SourceItem(
                team_partition(source.team_id),
                source_key(source.id),
                team_id=source.team_id,
                source_id=source.id,
                name=source.name,
                scheme=source.scheme,
                header=source.header,
                secret=source.secret,
                purpose=source.purpose,
                created_at=source.created_at,
                updated_at=source.created_at,
            ),
            condition=SourceItem.pk.does_not_exist(),
        )
        transaction.save(
            SourceLookupItem(
                source_key(source.id),
                LOOKUP_SK,
                team_id=source.team_id,
                scheme=source.scheme,
                header=source.header,
                secret=source.secret,
                purpose=source.purpose,
            ),
            condition=SourceLookupItem.pk.does_not_exist(),
        )

    if transact(write, what="source"):
        raise Conflict("a source with this id already exists; try again")
    return source


def get_source(team_id: str, source_id: str) -> Source | None:
    if not looks_like_id(source_id):
        return None
    item = get_or_none(SourceItem, team_partition(team_id), source_key(source_id))
    return None if item is None else _to_source(item)


def list_sources(team_id: str, params: PageParams) -> tuple[list[Source], int, str | None]:
    """The team's sources, oldest first: one Query on the SOURCE# range (and a count)."""
    items, total, cursor = query_page(
        SourceItem,
        team_partition(team_id),
        params,
        range_key_condition=SourceItem.sk.startswith(SOURCE_PREFIX),
        newest_first=False,
    )
    return [_to_source(item) for item in items], total, cursor


def _write_both(
    team_id: str, source_id: str, write: Callable[[SourceItem, TransactWrite], None]
) -> SourceItem:
    """Change the source (on the version read) and its lookup in one transaction: the
    source as read; NotFound when the team has no such source, Conflict when it changed."""
    item = (
        get_or_none(SourceItem, team_partition(team_id), source_key(source_id), consistent=True)
        if looks_like_id(source_id)
        else None
    )
    if item is None:
        raise NotFound("source not found")
    reasons = transact(lambda transaction: write(item, transaction), what="source")
    if condition_failed(reasons, 0):
        raise Conflict("the source was changed by another request; reload and retry")
    if reasons:
        raise NotFound("source not found")
    return item


def delete_source(team_id: str, source_id: str) -> None:
    """Delete the source and its lookup together; NotFound when the team has no such
    source. Its events and claims expire by TTL (nothing reads them without the source)."""

    def write(item: SourceItem, transaction: TransactWrite) -> None:
        transaction.delete(item)
        transaction.delete(
            SourceLookupItem(source_key(source_id), LOOKUP_SK),
            condition=SourceLookupItem.pk.exists(),
        )

    _write_both(team_id, source_id, write)


def set_secret(team_id: str, source_id: str, secret: str) -> Source:
    """Replace the source's signing secret (the sender issued a new one: Stripe's webhook
    endpoint), in the source and its lookup together; NotFound when there is no source."""

    def write(item: SourceItem, transaction: TransactWrite) -> None:
        item.secret = secret
        transaction.save(item)
        transaction.update(
            SourceLookupItem(source_key(source_id), LOOKUP_SK),
            actions=[SourceLookupItem.secret.set(secret)],
            condition=SourceLookupItem.pk.exists(),
        )

    return _to_source(_write_both(team_id, source_id, write))


def lookup(source_id: str) -> SourceLookup | None:
    """What the public path needs of a source, in one GetItem; None when there is none."""
    if not looks_like_id(source_id):
        return None
    with storage_errors("source"):
        try:
            item = SourceLookupItem.get(source_key(source_id), LOOKUP_SK)
        except SourceLookupItem.DoesNotExist:
            return None
    return SourceLookup(
        source_id,
        item.team_id,
        item.scheme,  # type: ignore[arg-type]  # written from a Scheme
        item.header,
        item.secret,
        "payments" if item.purpose == "payments" else "events",
    )

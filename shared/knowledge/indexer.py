"""The single writer of a team's knowledge index (the knowledge_indexer worker; the
knowledge-index queue is FIFO with one message group per team, so one batch of a team is
applied at a time).

A write costs the delta, not the base: each batch reads the changed entries' current
state (BatchGetItem), applies it to a copy of the delta segment, publishes the delta as a
new version and moves the pointer (a conditional write). When the delta holds
`MERGE_AT` changed entries or more, it is folded into a new base instead and the delta
starts empty: a base of n entries is rewritten once per `MERGE_AT` changes, so a write's
amortised cost stays small as the base grows, while a search reads one big segment and
one small one.

A message says only which entry changed (or that the team's index is to be rebuilt);
the entry's state is read when it is applied. Applying a message twice, or two messages
of one entry in either order, leaves the index as the table is: the consumer needs no
idempotency record.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from shared.knowledge import index, segments, store
from shared.knowledge.domain import Entry, IndexVersion
from shared.observability import logger

# Changed entries the delta holds before it is merged into a new base.
MERGE_AT: Final = 2_000
QUEUE: Final = "knowledge-index"


@dataclass(frozen=True, slots=True)
class Applied:
    """What a batch did to a team's index."""

    version: IndexVersion
    merged: bool


def queue_change(team_id: str, entry_id: str) -> None:
    """Ask the team's writer to apply the entry's current state (created, replaced or
    deleted) to the index."""
    from shared.queues import send

    send(QUEUE, {"team_id": team_id, "entry_id": entry_id})


def queue_rebuild(team_id: str) -> None:
    """Ask the team's writer to rebuild its index from every entry in the table."""
    from shared.queues import send

    send(QUEUE, {"team_id": team_id, "rebuild": True})


def _work_copy(source: Path | None, team_id: str, name: str) -> Path:
    """A private copy to write (published files are never changed in place)."""
    target = segments.team_dir(team_id) / f"work-{name}.sqlite"
    target.unlink(missing_ok=True)
    if source is None:
        index.create(target).close()
    else:
        shutil.copyfile(source, target)
    return target


def _publish(
    team_id: str, read: IndexVersion, base: Path | None, delta: Path, changes: int
) -> IndexVersion:
    """Upload the new segments (the base only when it changed), move the pointer on
    condition that nobody moved it since `read` (Conflict: the batch is retried), then
    delete the segments replaced one publish ago: a reader that read the pointer just
    before has had that long to fetch them."""
    base_name = read.base if base is None else segments.new_name("base")
    delta_name = segments.new_name("delta")
    if base is not None:
        segments.upload(team_id, base_name, base)
    segments.upload(team_id, delta_name, delta)
    replaced = tuple(name for name in (read.base, read.delta) if name and name != base_name)
    new = IndexVersion(base=base_name, delta=delta_name, delta_changes=changes, previous=replaced)
    store.publish_version(team_id, read, new)
    segments.delete(team_id, read.previous)
    return new


def apply(team_id: str, entry_ids: Iterable[str]) -> Applied:
    """Each entry's current state into the team's index; the version published."""
    ids = list(dict.fromkeys(entry_ids))
    read = store.index_version(team_id, consistent=True)
    entries = store.get_entries(team_id, ids)
    changes: dict[str, Entry | None] = {entry_id: entries.get(entry_id) for entry_id in ids}

    source = None if read.empty else segments.fetch(team_id, read.delta)
    delta = _work_copy(source, team_id, "delta")
    connection = index.open_writable(delta)
    try:
        index.apply_changes(connection, changes)
        changed = index.changed_count(connection)
    finally:
        connection.close()

    if not read.empty and changed < MERGE_AT:
        return Applied(_publish(team_id, read, None, delta, changed), merged=False)
    # The first write of a team (its base is empty), or a delta grown past MERGE_AT.
    base = _work_copy(None if read.empty else segments.fetch(team_id, read.base), team_id, "base")
    connection = index.open_writable(base)
    try:
        index.merge(connection, delta)
    finally:
        connection.close()
    published = _publish(team_id, read, base, _work_copy(None, team_id, "empty"), 0)
    delta.unlink(missing_ok=True)
    logger.info("knowledge index merged", extra={"team_id": team_id, "entries": changed})
    return Applied(published, merged=True)


def rebuild(team_id: str, entries: Iterable[Entry] | None = None) -> IndexVersion:
    """A new base from `entries` (by default every entry of the team in the table) and an
    empty delta, published: the repair of a lost or damaged index, and how a large base
    is loaded in bulk."""
    read = store.index_version(team_id, consistent=True)
    base = _work_copy(None, team_id, "base")
    connection = index.open_writable(base)
    try:
        loaded = index.bulk_load(
            connection, store.iter_entries(team_id) if entries is None else entries
        )
        connection.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    finally:
        connection.close()
    published = _publish(team_id, read, base, _work_copy(None, team_id, "empty"), 0)
    logger.info("knowledge index rebuilt", extra={"team_id": team_id, "entries": loaded})
    return published

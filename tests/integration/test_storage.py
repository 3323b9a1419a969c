"""The team-scoped PynamoDB base and paged queries, on emulated DynamoDB."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pynamodb.attributes import UnicodeAttribute

from shared.db.base import TeamItem, storage_errors, table_meta, team_partition
from shared.db.query import query_page
from shared.errors import BadRequest, Conflict, NotFound
from shared.pagination import PageParams

pytestmark = pytest.mark.usefixtures("aws")


class NoteItem(TeamItem):
    Meta = table_meta("jobs")

    title = UnicodeAttribute()


def make_note(team_id: str, number: int) -> NoteItem:
    note = NoteItem(
        team_partition(team_id), f"NOTE#{number:03d}", team_id=team_id, title=f"note {number}"
    )
    note.save()
    return note


@pytest.fixture
def notes() -> Iterator[list[NoteItem]]:
    created = [make_note("team-a", number) for number in range(5)]
    created += [make_note("team-b", number) for number in range(3)]
    yield created
    for note in NoteItem.scan():  # test clean-up, not a request
        note.delete()


def test_pages_walk_one_team_newest_first(notes: list[NoteItem]) -> None:
    partition = team_partition("team-a")

    first, total, cursor = query_page(NoteItem, partition, PageParams(limit=2))
    second, _, cursor2 = query_page(NoteItem, partition, PageParams(limit=2, cursor=cursor))
    third, _, cursor3 = query_page(NoteItem, partition, PageParams(limit=2, cursor=cursor2))

    assert total == 5
    assert [n.title for n in first + second + third] == [f"note {i}" for i in (4, 3, 2, 1, 0)]
    assert cursor3 is None


def test_offset_skips_items(notes: list[NoteItem]) -> None:
    items, total, _ = query_page(NoteItem, team_partition("team-a"), PageParams(limit=2, offset=3))

    assert total == 5
    assert [n.title for n in items] == ["note 1", "note 0"]


def test_another_teams_cursor_is_refused(notes: list[NoteItem]) -> None:
    _, _, cursor_of_b = query_page(NoteItem, team_partition("team-b"), PageParams(limit=1))

    with pytest.raises(BadRequest):
        query_page(NoteItem, team_partition("team-a"), PageParams(cursor=cursor_of_b))


def test_a_stale_version_is_a_conflict(notes: list[NoteItem]) -> None:
    mine = NoteItem.get(team_partition("team-a"), "NOTE#000")
    theirs = NoteItem.get(team_partition("team-a"), "NOTE#000")
    theirs.title = "changed first"
    theirs.save()

    mine.title = "changed second"
    with pytest.raises(Conflict), storage_errors("note"):
        mine.save()
    assert NoteItem.get(team_partition("team-a"), "NOTE#000").title == "changed first"


def test_a_missing_item_is_not_found() -> None:
    with pytest.raises(NotFound, match="note not found"), storage_errors("note"):
        NoteItem.get(team_partition("team-a"), "NOTE#999")

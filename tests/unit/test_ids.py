"""Ids sort in the order they were made, within a millisecond too."""

from __future__ import annotations

from ulid import ULID

from shared.ids import new_id


def test_ids_made_in_one_burst_sort_in_the_order_they_were_made() -> None:
    # Given a thousand ids made as fast as possible (many share a millisecond)
    ids = [new_id() for _ in range(1000)]
    # Then sorting them changes nothing, and each is a valid ULID of about now
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(ULID.from_str(each).timestamp > 1.7e9 for each in ids)

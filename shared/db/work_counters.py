"""A team's count of one kind of thing in the work table, kept by ADD in the same
transaction as the write it counts, so a list's total is one GetItem however long the
team's history.

    work table:  pk = TEAM#<team>   sk = COUNT#<KIND>   how many the team has
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute
from pynamodb.transactions import TransactWrite

from shared.db.base import TeamItem, get_or_none, table_meta, team_partition


class WorkCounterItem(TeamItem):
    """How many of one kind the team has (only ever ADDed: its version stays unset)."""

    Meta = table_meta("work")

    total = NumberAttribute(default=0)


def add(transaction: TransactWrite, team_id: str, key: str, delta: int) -> None:
    """Add `delta` to the team's count under `key`, as part of `transaction`."""
    transaction.update(
        WorkCounterItem(team_partition(team_id), key),
        actions=[WorkCounterItem.total.add(delta), WorkCounterItem.team_id.set(team_id)],
        add_version_condition=False,
    )


def total(team_id: str, key: str) -> int:
    item = get_or_none(WorkCounterItem, team_partition(team_id), key)
    return 0 if item is None else max(int(item.total or 0), 0)

"""How many jobs and projects a team has in each status, kept as counters so the KPIs
read a handful of items however long the team's history.

    jobs table:  pk = TEAM#<team>   sk = COUNT#JOB#<status>       jobs in that status
                                    sk = COUNT#PROJECT#<status>   projects in that status
                                    sk = COUNT#APPROVAL#<status>  approvals in that status

Each counter changes only by ``ADD``, in the same transaction as the write it counts (a
job or project created, its status changed, deleted): the count and the items cannot
disagree, and concurrent writers never lose a count. One item per status, not one per
team: a job moving from running to passed touches two counters, which a transaction can
(it cannot touch one item twice).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from pynamodb.attributes import NumberAttribute
from pynamodb.transactions import TransactWrite

from shared.db.base import TeamItem, storage_errors, table_meta, team_partition

Kind = Literal["JOB", "PROJECT", "APPROVAL"]
_PREFIX = "COUNT#"


def counter_key(kind: Kind, status: str) -> str:
    return f"{_PREFIX}{kind}#{status}"


class CounterItem(TeamItem):
    """How many of the team's jobs, projects or approvals are in one status. Only ever ``ADD``ed
    (its version stays unset: nothing reads it to write it back)."""

    Meta = table_meta("jobs")

    total = NumberAttribute(default=0)


def add(transaction: TransactWrite, team_id: str, kind: Kind, status: str, delta: int) -> None:
    """Add `delta` to the team's count of `kind` in `status`, as part of `transaction`."""
    transaction.update(
        CounterItem(team_partition(team_id), counter_key(kind, status)),
        actions=[CounterItem.total.add(delta), CounterItem.team_id.set(team_id)],
        add_version_condition=False,
    )


def moved(
    transaction: TransactWrite, team_id: str, kind: Kind, before: str | None, after: str | None
) -> None:
    """Count one job or project leaving status `before` and entering `after` (None: it did
    not exist before, or does not after), as part of `transaction`."""
    if before == after:
        return
    if before is not None:
        add(transaction, team_id, kind, before, -1)
    if after is not None:
        add(transaction, team_id, kind, after, 1)


@dataclass(frozen=True, slots=True)
class TeamCounts:
    jobs: Counter[str]
    projects: Counter[str]


def team_counts(team_id: str) -> TeamCounts:
    """The team's jobs and projects by status: one Query reading one item per status in
    use (statuses at zero are left out)."""
    jobs: Counter[str] = Counter()
    projects: Counter[str] = Counter()
    with storage_errors("counts"):
        items = CounterItem.query(
            team_partition(team_id), CounterItem.sk.startswith(_PREFIX), consistent_read=True
        )
        for item in items:
            kind, status = item.sk.removeprefix(_PREFIX).split("#", 1)
            count = int(item.total)
            if count and kind in ("JOB", "PROJECT"):
                (jobs if kind == "JOB" else projects)[status] = count
    return TeamCounts(jobs=jobs, projects=projects)


def counts_of(team_id: str, kind: Kind) -> Counter[str]:
    """The team's `kind` by status: one Query of one item per status in use."""
    found: Counter[str] = Counter()
    with storage_errors("counts"):
        items = CounterItem.query(
            team_partition(team_id),
            CounterItem.sk.startswith(f"{_PREFIX}{kind}#"),
            consistent_read=True,
        )
        for item in items:
            if int(item.total):
                found[item.sk.rsplit("#", 1)[1]] = int(item.total)
    return found

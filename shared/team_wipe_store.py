"""A team's wipes (seed 001's POST /settings/wipe): the record each one keeps, from the
request to a terminal state, and the claim that lets one run at a time.

events table:
    pk = TEAM#<team>   sk = WIPE#<wipe id>   a wipe: status, who asked, progress, counts
                                             (kept 90 days, TTL)
    pk = TEAM#<team>   sk = WIPE#ACTIVE      the claim of the wipe under way (TTL: a day, so
                                             a wipe lost every way still frees the team)

Both are under the `WIPE#` sort key prefix, which the wipe itself never deletes (the
team_wipe worker skips it), so the record outlives the data it removed.

Status: queued (the request) → running (the worker) → succeeded | failed. Every path ends
terminal: the worker ends it; a failure on the message's last receive ends it failed; the
dead-letter archiver's settler (`settle_dead_letter`) ends one the worker never could; and
a message that could not be queued ends it failed at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field
from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from shared.db.base import TeamItem, get_or_none, storage_errors, table_meta, team_partition
from shared.db.transactions import condition_failed, transact
from shared.errors import Conflict, NotFound
from shared.ids import new_id, utcnow
from shared.observability import logger

WipeStatus = Literal["queued", "running", "succeeded", "failed"]
TERMINAL: Final = frozenset({"succeeded", "failed"})
WIPE_PREFIX: Final = "WIPE#"
ACTIVE_KEY: Final = f"{WIPE_PREFIX}ACTIVE"
RETENTION: Final = timedelta(days=90)
# Longer than any wipe runs through its receives and continuations: a claim older than
# this belongs to a wipe lost every way, and no longer blocks a new one.
CLAIM_LIFETIME: Final = timedelta(days=1)


class WipeItem(TeamItem):
    Meta = table_meta("events")

    wipe_id = UnicodeAttribute()
    status = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    # The step the worker has reached (an index into its stages) and, within a table's
    # Scan, the key it goes on from: a continuation starts there.
    stage = NumberAttribute(default=0)
    cursor = JSONAttribute(null=True)
    part = NumberAttribute(default=0)
    counts = JSONAttribute(default=dict)
    error = UnicodeAttribute(null=True)


class WipeClaimItem(Model):
    """No version attribute: a claim is taken on its own condition (none, or one expired),
    which a version condition would turn into "none" alone."""

    Meta = table_meta("events")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    wipe_id = UnicodeAttribute()
    expires_at = TTLAttribute()


class Wipe(BaseModel):
    """A wipe of the team's data, as GET /settings/wipe/{wipe_id} answers it."""

    model_config = ConfigDict(defer_build=True)

    wipe_id: str
    status: WipeStatus
    requested_by: str
    requested_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    counts: dict[str, int] = Field(
        default_factory=dict,
        description="what was deleted so far: items by table, objects, secrets, schedules",
    )
    error: str | None = Field(default=None, description="why a failed wipe failed")


class Progress(BaseModel):
    """Where the worker is: the stage, a Scan's cursor within it, the continuation part."""

    stage: int = 0
    cursor: dict[str, Any] | None = None
    part: int = 0
    counts: dict[str, int] = Field(default_factory=dict)


def _wipe(item: WipeItem) -> Wipe:
    return Wipe(
        wipe_id=item.wipe_id,
        status=item.status,  # type: ignore[arg-type]  # written from WipeStatus only
        requested_by=item.requested_by,
        requested_at=item.created_at,
        started_at=item.started_at,
        finished_at=item.finished_at,
        counts={str(name): int(count) for name, count in (item.counts or {}).items()},
        error=item.error,
    )


def _key(wipe_id: str) -> str:
    return f"{WIPE_PREFIX}{wipe_id}"


def start(team_id: str, *, requested_by: str) -> Wipe:
    """Record a new wipe, queued, and claim the team for it: one TransactWriteItems, on
    condition that no other wipe holds a live claim (else Conflict, naming it)."""
    now = utcnow()
    wipe_id = new_id()
    partition = team_partition(team_id)
    item = WipeItem(
        partition,
        _key(wipe_id),
        team_id=team_id,
        wipe_id=wipe_id,
        status="queued",
        requested_by=requested_by,
        expires_at=now + RETENTION,
    )
    claim = WipeClaimItem(
        partition, ACTIVE_KEY, team_id=team_id, wipe_id=wipe_id, expires_at=now + CLAIM_LIFETIME
    )

    def write(transaction: Any) -> None:
        transaction.save(
            claim,
            condition=WipeClaimItem.pk.does_not_exist() | (WipeClaimItem.expires_at < now),
        )
        transaction.save(item, condition=WipeItem.pk.does_not_exist())

    reasons = transact(write, what="the wipe")
    if reasons and condition_failed(reasons, 0):
        held = get_or_none(WipeClaimItem, partition, ACTIVE_KEY, consistent=True)
        under_way = f": {held.wipe_id}" if held is not None else ""
        raise Conflict(f"A wipe of the team is already under way{under_way}")
    if reasons:
        raise Conflict("The wipe could not be recorded; try again")
    return _wipe(item)


def _item(team_id: str, wipe_id: str) -> WipeItem | None:
    return get_or_none(WipeItem, team_partition(team_id), _key(wipe_id), consistent=True)


def get(team_id: str, wipe_id: str) -> Wipe:
    """The team's wipe `wipe_id`; NotFound for another team's or an unknown one."""
    item = _item(team_id, wipe_id)
    if item is None:
        raise NotFound("Wipe not found")
    return _wipe(item)


def progress(team_id: str, wipe_id: str) -> tuple[Wipe, Progress] | None:
    """The wipe and where its worker got to; None when there is no such wipe."""
    item = _item(team_id, wipe_id)
    if item is None:
        return None
    return _wipe(item), Progress(
        stage=int(item.stage or 0),
        cursor=item.cursor,
        part=int(item.part or 0),
        counts={str(name): int(count) for name, count in (item.counts or {}).items()},
    )


def mark_running(team_id: str, wipe_id: str) -> None:
    """queued → running (a redelivery of a running wipe leaves it as it is)."""
    item = _item(team_id, wipe_id)
    if item is None or item.status != "queued":
        return
    with storage_errors("wipe"):
        item.update(
            actions=[WipeItem.status.set("running"), WipeItem.started_at.set(utcnow())],
            condition=WipeItem.status == "queued",
            add_version_condition=False,
        )


def save_progress(team_id: str, wipe_id: str, at: Progress) -> None:
    """Record where the worker is, so a redelivery or a continuation goes on from there."""
    actions: list[Action] = [
        WipeItem.stage.set(at.stage),
        WipeItem.cursor.set(at.cursor) if at.cursor else WipeItem.cursor.remove(),
        WipeItem.part.set(at.part),
        WipeItem.counts.set(at.counts),
        WipeItem.updated_at.set(utcnow()),
    ]
    with storage_errors("wipe"):
        WipeItem(team_partition(team_id), _key(wipe_id)).update(
            actions=actions,
            condition=WipeItem.status == "running",
            add_version_condition=False,
        )


def finish(team_id: str, wipe_id: str, status: WipeStatus, *, error: str | None = None) -> bool:
    """End the wipe `status` (terminal) unless it has ended already, and free the team's
    claim if it is this wipe's. Whether this call ended it."""
    if status not in TERMINAL:
        raise ValueError(f"{status} is not a terminal status")
    actions: list[Action] = [WipeItem.status.set(status), WipeItem.finished_at.set(utcnow())]
    if error is not None:
        actions.append(WipeItem.error.set(error[:500]))
    try:
        with storage_errors("wipe"):
            WipeItem(team_partition(team_id), _key(wipe_id)).update(
                actions=actions,
                condition=WipeItem.pk.exists() & WipeItem.status.is_in("queued", "running"),
                add_version_condition=False,
            )
    except Conflict:
        return False  # ended before (or never recorded): nothing to change
    try:
        with storage_errors("wipe claim"):
            WipeClaimItem(team_partition(team_id), ACTIVE_KEY).delete(
                condition=WipeClaimItem.wipe_id == wipe_id
            )
    except Conflict:
        pass  # another wipe's claim, or none: not ours to free
    return True


def settle_dead_letter(payload: Any) -> None:
    """A team-wipes message the worker never settled: its wipe ends failed (nothing for a
    wipe that ended, or a payload that names none)."""
    if not isinstance(payload, dict):
        return
    team_id, wipe_id = payload.get("team_id"), payload.get("wipe_id")
    if not isinstance(team_id, str) or not isinstance(wipe_id, str):
        return
    if finish(
        team_id,
        wipe_id,
        "failed",
        error="the wipe could not be finished: its message went to the dead-letter queue",
    ):
        logger.warning("wipe settled from the dead-letter queue", extra={"wipe": wipe_id})


def confirms(team_id: str, confirm: str) -> bool:
    """Whether `confirm` is the team's id or its name (as stored: the name is read only
    when the id does not match)."""
    from shared.identity.models import TEAM, TeamRecord

    text = confirm.strip()
    if text == team_id:
        return True
    team = get_or_none(TeamRecord, team_partition(team_id), TEAM)
    return team is not None and bool(team.name.strip()) and text == team.name.strip()

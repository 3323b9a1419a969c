"""The audit log's storage: entries in the team's partition, read newest first. The only
code that reads or writes them; it answers `AuditRecord`. What is recorded and how long
it is kept are shared/audit.py's."""

from __future__ import annotations

from datetime import datetime

from shared.db.base import storage_errors, team_partition
from shared.db.query import query_page
from shared.identity.domain import AuditRecord
from shared.identity.models import AuditItem, audit_action_key, audit_key
from shared.pagination import PageParams


def _record(item: AuditItem) -> AuditRecord:
    return AuditRecord(
        entry_id=item.entry_id,
        at=item.at,
        action=item.action,
        outcome=item.outcome,
        actor=item.actor,
        target=item.target,
        ip=item.ip,
        detail=dict(item.detail or {}),
    )


def append(team_id: str, entry: AuditRecord, *, expires_at: datetime) -> None:
    item = AuditItem(
        team_partition(team_id),
        audit_key(entry.entry_id),
        team_id=team_id,
        entry_id=entry.entry_id,
        action=entry.action,
        outcome=entry.outcome,
        actor=entry.actor,
        target=entry.target,
        ip=entry.ip,
        detail=entry.detail,
        at=entry.at,
        expires_at=expires_at,
        gsi1pk=audit_action_key(team_id, entry.action),
        gsi1sk=audit_key(entry.entry_id),
    )
    with storage_errors("audit entry"):
        item.save()


def entries_page(team_id: str, params: PageParams) -> tuple[list[AuditRecord], int, str | None]:
    """The team's audit log, newest first."""
    items, total, cursor = query_page(
        AuditItem,
        team_partition(team_id),
        params,
        range_key_condition=AuditItem.sk.startswith(audit_key()),
        newest_first=True,
    )
    return [_record(item) for item in items], total, cursor


def action_entries_page(
    team_id: str, action: str, params: PageParams
) -> tuple[list[AuditRecord], int, str | None]:
    """The team's audit entries of one action, newest first: a Query of that action's
    gsi1 partition (entries stored before it was indexed are not in it)."""
    items, total, cursor = query_page(
        AuditItem.by_action, audit_action_key(team_id, action), params, newest_first=True
    )
    return [_record(item) for item in items], total, cursor

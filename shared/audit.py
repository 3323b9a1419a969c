"""The audit log: who did what security-relevant thing, for which team, and how it ended.

Written by the services (sign-ins, MFA changes, keys, roles, admin actions); read newest
first by ``GET /admin/audit``. Entries expire after a year (TTL).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from shared.db.base import storage_errors, team_partition
from shared.db.query import query_page
from shared.identity.models import AuditItem, audit_key
from shared.ids import new_id, utcnow
from shared.observability import logger
from shared.pagination import PageParams

Outcome = Literal["ok", "denied", "failed"]
RETENTION = timedelta(days=365)


def record(
    team_id: str,
    action: str,
    *,
    actor: str,
    outcome: Outcome = "ok",
    target: str | None = None,
    ip: str | None = None,
    **detail: Any,
) -> None:
    """Append one entry. Also logged, so a failure to store it still leaves a trace."""
    logger.info(
        "audit",
        extra={
            "audit": {
                "team_id": team_id,
                "action": action,
                "actor": actor,
                "outcome": outcome,
                "target": target,
                "ip": ip,
            }
        },
    )
    entry_id = new_id()
    now = utcnow()
    item = AuditItem(
        team_partition(team_id),
        audit_key(entry_id),
        team_id=team_id,
        entry_id=entry_id,
        action=action,
        outcome=outcome,
        actor=actor,
        target=target,
        ip=ip,
        detail=detail,
        at=now,
        expires_at=now + RETENTION,
    )
    with storage_errors("audit entry"):
        item.save()


def entries(team_id: str, params: PageParams) -> tuple[list[AuditItem], int, str | None]:
    return query_page(
        AuditItem,
        team_partition(team_id),
        params,
        range_key_condition=AuditItem.sk.startswith(audit_key()),
        newest_first=True,
    )

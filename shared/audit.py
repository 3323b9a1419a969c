"""The audit log: who did what security-relevant thing, for which team, and how it ended.

Written by the services (sign-ins, MFA changes, keys, roles, admin actions); read newest
first by ``GET /admin/audit``. Entries expire after a year (TTL).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from shared.identity.domain import AuditRecord
from shared.identity.store import audit_log
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
    now = utcnow()
    entry = AuditRecord(
        entry_id=new_id(),
        at=now,
        action=action,
        outcome=outcome,
        actor=actor,
        target=target,
        ip=ip,
        detail=detail,
    )
    audit_log.append(team_id, entry, expires_at=now + RETENTION)


def entries(team_id: str, params: PageParams) -> tuple[list[AuditRecord], int, str | None]:
    """The team's audit log, newest first."""
    return audit_log.entries_page(team_id, params)


def entries_of(
    team_id: str, action: str, params: PageParams
) -> tuple[list[AuditRecord], int, str | None]:
    """The team's audit entries of one action (`permission_denied`, say), newest first."""
    return audit_log.action_entries_page(team_id, action, params)

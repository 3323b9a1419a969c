"""A team's security settings and password policy: one item in the identity table (sk
`SECURITY`). The only code that reads or writes it; it answers `TeamSecurity`."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.identity.domain import PasswordPolicy, SecuritySettings, TeamSecurity
from shared.identity.models import SECURITY, SecurityItem

DEFAULTS = TeamSecurity(
    settings=SecuritySettings(),
    password_policy=PasswordPolicy(),
    version=0,
    updated_at=None,
    updated_by=None,
)


def _known[T](cls: type[T], raw: dict[str, Any] | None) -> T:
    """`cls` from its stored JSON; a field it no longer has is ignored, a new one defaults."""
    names = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{name: value for name, value in (raw or {}).items() if name in names})


def get_security(team_id: str, *, consistent: bool = False) -> TeamSecurity:
    """The team's settings and policy (nothing stored: the defaults, at version 0)."""
    item = get_or_none(SecurityItem, team_partition(team_id), SECURITY, consistent=consistent)
    if item is None:
        return DEFAULTS
    return TeamSecurity(
        settings=_known(SecuritySettings, item.settings),
        password_policy=_known(PasswordPolicy, item.password_policy),
        version=int(item.version or 0),
        updated_at=item.updated_at,
        updated_by=item.updated_by,
    )


def save_security(
    team_id: str,
    settings: SecuritySettings,
    policy: PasswordPolicy,
    *,
    version: int,
    by: str,
    at: datetime,
) -> TeamSecurity:
    """Store both, if the item is still at `version` (0: none yet); Conflict (409) when
    another request changed it first."""
    item = SecurityItem(
        team_partition(team_id),
        SECURITY,
        team_id=team_id,
        settings=dataclasses.asdict(settings),
        password_policy=dataclasses.asdict(policy),
        updated_by=by,
        updated_at=at,
    )
    if version:
        item.version = version  # PynamoDB conditions the save on it (none: a new item)
    with storage_errors("security settings"):
        item.save()
    return TeamSecurity(settings, policy, int(item.version or 0), at, by)

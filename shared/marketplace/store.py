"""Installs' storage (keys in shared.marketplace.models): the only module of the area that
touches the table; `Install` out."""

from __future__ import annotations

from shared.db.base import get_or_none, insert, storage_errors, team_partition
from shared.db.versioned import lost_race
from shared.marketplace.domain import Install
from shared.marketplace.models import InstallItem, install_key


def _to_install(item: InstallItem) -> Install:
    return Install(
        team_id=item.team_id,
        template_id=item.template_id,
        status="installed" if item.status == "installed" else "installing",
        parameters=dict(item.parameters or {}),
        created={kind: dict(ids) for kind, ids in (item.created or {}).items()},
        installed_by=item.installed_by,
        lease_until=item.lease_until,
        installed_at=item.installed_at,
        created_at=item.created_at,
        version=item.version,
    )


def _item(install: Install) -> InstallItem:
    item = InstallItem(
        team_partition(install.team_id),
        install_key(install.template_id),
        team_id=install.team_id,
        template_id=install.template_id,
        status=install.status,
        parameters=install.parameters,
        created=install.created,
        installed_by=install.installed_by,
        lease_until=install.lease_until,
        installed_at=install.installed_at,
    )
    if install.created_at is not None:
        item.created_at = install.created_at
    if install.version is not None:
        item.version = install.version
    return item


def get_install(team_id: str, template_id: str) -> Install | None:
    """The team's install of the template (a strongly consistent read: what it answers is
    the version the next conditional write is checked against)."""
    item = get_or_none(
        InstallItem, team_partition(team_id), install_key(template_id), consistent=True
    )
    return None if item is None else _to_install(item)


def create_install(install: Install) -> Install:
    """Store a new install; Conflict when the team has one of the template already."""
    return _to_install(insert(_item(install), "install"))


def save_install(install: Install) -> Install:
    """Write `install` on condition that it is still at the version it was read at
    (LostRace otherwise: another request changed it in between)."""
    item = _item(install)
    with lost_race(), storage_errors("install"):
        item.save()
    return _to_install(item)

"""Invitations' storage. The only code that reads or writes them; it answers `Invitation`.
Accepting one is part of creating the account (shared.identity.store.users.create_account)."""

from __future__ import annotations

from datetime import datetime

from shared.db.base import get_or_none, insert, team_partition
from shared.db.query import query_page
from shared.identity.domain import Invitation
from shared.identity.models import InvitationItem, invitation_key
from shared.pagination import PageParams


def _invitation(item: InvitationItem) -> Invitation:
    return Invitation(
        invitation_id=item.invitation_id,
        team_id=item.team_id,
        email=item.email,
        role=item.role,
        invited_by=item.invited_by,
        expires_at=item.expires_at,
        accepted_by=item.accepted_by,
        secret_hash=item.secret_hash,
        version=int(item.version or 0),
    )


def create_invitation(
    *,
    team_id: str,
    invitation_id: str,
    email: str,
    role: str,
    secret_hash: str,
    invited_by: str,
    expires_at: datetime,
) -> Invitation:
    item = InvitationItem(
        team_partition(team_id),
        invitation_key(invitation_id),
        team_id=team_id,
        invitation_id=invitation_id,
        email=email,
        role=role,
        secret_hash=secret_hash,
        invited_by=invited_by,
        expires_at=expires_at,
    )
    return _invitation(insert(item, "invitation"))


def get_invitation(team_id: str, invitation_id: str) -> Invitation | None:
    item = get_or_none(InvitationItem, team_partition(team_id), invitation_key(invitation_id))
    return None if item is None else _invitation(item)


def invitations_page(team_id: str, params: PageParams) -> tuple[list[Invitation], int, str | None]:
    """The team's invitations, newest first."""
    items, total, cursor = query_page(
        InvitationItem,
        team_partition(team_id),
        params,
        range_key_condition=InvitationItem.sk.startswith(invitation_key()),
        newest_first=True,
    )
    return [_invitation(item) for item in items], total, cursor

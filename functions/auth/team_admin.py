"""Team administration: the team's accounts, invitations, roles; every change audited.

An admin cannot change their own role or disable themselves, so a team always keeps the
admin who is acting. Disabling an account also ends its sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pynamodb.expressions.update import Action

from functions.auth import keys, sessions
from functions.auth.accounts import normalize_email, user_by_email
from functions.auth.schemas import InvitationPublic
from shared import audit
from shared.auth.principal import Principal
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import query_page
from shared.errors import Conflict, NotFound
from shared.identity import opaque
from shared.identity.domain import AuditRecord, User
from shared.identity.models import (
    InvitationItem,
    UserItem,
    invitation_key,
    user_key,
)
from shared.ids import new_id, utcnow
from shared.pagination import PageParams

INVITATION_LIFETIME = timedelta(days=7)
ROLE_RANK = {"member": 1, "admin": 2}


@dataclass(frozen=True, slots=True)
class Invited:
    invitation: InvitationPublic
    token: str


def _invitation(item: InvitationItem) -> InvitationPublic:
    return InvitationPublic(
        id=item.invitation_id,
        email=item.email,
        role=item.role,
        invited_by=item.invited_by,
        expires_at=item.expires_at,
        accepted_by=item.accepted_by,
    )


def users(principal: Principal, params: PageParams) -> tuple[list[User], int, str | None]:
    items, total, cursor = query_page(
        UserItem,
        team_partition(principal.team_id),
        params,
        range_key_condition=UserItem.sk.startswith(user_key()),
        newest_first=False,
    )
    return [User.of(item) for item in items], total, cursor


def _user_item(principal: Principal, user_id: str) -> UserItem:
    user = get_or_none(UserItem, team_partition(principal.team_id), user_key(user_id))
    if user is None:
        raise NotFound("user not found")
    return user


def get_user(principal: Principal, user_id: str) -> User:
    return User.of(_user_item(principal, user_id))


def audit_log(
    principal: Principal, params: PageParams
) -> tuple[list[AuditRecord], int, str | None]:
    """The team's audit log, newest first."""
    items, total, cursor = audit.entries(principal.team_id, params)
    return [AuditRecord.of(item) for item in items], total, cursor


def invitations(
    principal: Principal, params: PageParams
) -> tuple[list[InvitationPublic], int, str | None]:
    items, total, cursor = query_page(
        InvitationItem,
        team_partition(principal.team_id),
        params,
        range_key_condition=InvitationItem.sk.startswith(invitation_key()),
        newest_first=True,
    )
    return [_invitation(item) for item in items], total, cursor


def get_invitation(principal: Principal, invitation_id: str) -> InvitationPublic:
    found = get_or_none(
        InvitationItem, team_partition(principal.team_id), invitation_key(invitation_id)
    )
    if found is None:
        raise NotFound("invitation not found")
    return _invitation(found)


def invite(principal: Principal, email: str, role: str, ip: str | None) -> Invited:
    email = normalize_email(email)
    if user_by_email(email) is not None:
        raise Conflict("An account with this email already exists")
    invitation_id = new_id()
    minted = opaque.mint(opaque.INVITATION, principal.team_id, invitation_id)
    item = InvitationItem(
        team_partition(principal.team_id),
        invitation_key(invitation_id),
        team_id=principal.team_id,
        invitation_id=invitation_id,
        email=email,
        role=role,
        secret_hash=minted.digest,
        invited_by=principal.subject,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    with storage_errors("invitation"):
        item.save(condition=InvitationItem.pk.does_not_exist())
    audit.record(
        principal.team_id, "user.invite", actor=principal.subject, target=email, ip=ip, role=role
    )
    return Invited(_invitation(item), minted.token)


def update_user(
    principal: Principal,
    user_id: str,
    *,
    role: str | None,
    disabled: bool | None,
    full_name: str | None,
    ip: str | None,
) -> User:
    user = _user_item(principal, user_id)
    if user_id == principal.subject and (role not in (None, user.role) or disabled):
        raise Conflict("You cannot change your own role or disable yourself")
    role_changes = role is not None and role != user.role
    demoted = role_changes and ROLE_RANK.get(role or "", 0) < ROLE_RANK.get(user.role, 0)
    actions: list[Action] = []
    if role is not None and role_changes:
        actions.append(UserItem.role.set(role))
        audit.record(
            principal.team_id,
            "user.role_change",
            actor=principal.subject,
            target=user_id,
            ip=ip,
            old=user.role,
            new=role,
        )
    if disabled is not None and disabled != user.disabled:
        actions.append(UserItem.disabled.set(disabled))
        audit.record(
            principal.team_id,
            "user.disable" if disabled else "user.enable",
            actor=principal.subject,
            target=user_id,
            ip=ip,
        )
    if full_name is not None:
        actions.append(UserItem.full_name.set(full_name))
    if actions:
        with storage_errors("user"):
            user.update(actions=actions)
    if disabled or role_changes:
        # Access tokens already issued run out within minutes; sessions end now.
        sessions.revoke_all(user.team_id, user.user_id, "changed by an admin")
    if disabled or demoted:
        # An API key carries the role it was made with: it must not outlive that role.
        keys.revoke_all_of(
            user.team_id,
            user.user_id,
            "owner disabled" if disabled else "owner demoted",
            actor=principal.subject,
            ip=ip,
        )
    return User.of(user)

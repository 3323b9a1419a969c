"""Team administration: the team's accounts, invitations, roles; every change audited.

An admin cannot change their own role or disable themselves, so a team always keeps the
admin who is acting. Disabling an account also ends its sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from functions.auth import keys, sessions
from functions.auth.accounts import normalize_email
from functions.auth.schemas import InvitationPublic
from shared import audit
from shared.auth.principal import Principal
from shared.denials import PERMISSION_DENIED
from shared.errors import Conflict, NotFound
from shared.identity import opaque
from shared.identity.domain import AuditRecord, Invitation, User
from shared.identity.store import invitations as invitation_store
from shared.identity.store import users as user_store
from shared.ids import new_id, utcnow
from shared.pagination import PageParams

INVITATION_LIFETIME = timedelta(days=7)
ROLE_RANK = {"member": 1, "admin": 2}


@dataclass(frozen=True, slots=True)
class Invited:
    invitation: InvitationPublic
    token: str


def _invitation(invitation: Invitation) -> InvitationPublic:
    return InvitationPublic(
        id=invitation.invitation_id,
        email=invitation.email,
        role=invitation.role,
        invited_by=invitation.invited_by,
        expires_at=invitation.expires_at,
        accepted_by=invitation.accepted_by,
    )


def users(principal: Principal, params: PageParams) -> tuple[list[User], int, str | None]:
    return user_store.users_page(principal.team_id, params)


def get_user(principal: Principal, user_id: str) -> User:
    return user_store.get_user(principal.team_id, user_id)


def audit_log(
    principal: Principal, params: PageParams
) -> tuple[list[AuditRecord], int, str | None]:
    """The team's audit log, newest first."""
    return audit.entries(principal.team_id, params)


def permission_denials(
    principal: Principal, params: PageParams
) -> tuple[list[AuditRecord], int, str | None]:
    """The 403 answers given to the team's callers, newest first (shared.denials)."""
    return audit.entries_of(principal.team_id, PERMISSION_DENIED, params)


def invitations(
    principal: Principal, params: PageParams
) -> tuple[list[InvitationPublic], int, str | None]:
    found, total, cursor = invitation_store.invitations_page(principal.team_id, params)
    return [_invitation(invitation) for invitation in found], total, cursor


def get_invitation(principal: Principal, invitation_id: str) -> InvitationPublic:
    found = invitation_store.get_invitation(principal.team_id, invitation_id)
    if found is None:
        raise NotFound("invitation not found")
    return _invitation(found)


def invite(principal: Principal, email: str, role: str, ip: str | None) -> Invited:
    email = normalize_email(email)
    if user_store.account_by_email(email) is not None:
        raise Conflict(user_store.EMAIL_TAKEN)
    invitation_id = new_id()
    minted = opaque.mint(opaque.INVITATION, principal.team_id, invitation_id)
    invitation = invitation_store.create_invitation(
        team_id=principal.team_id,
        invitation_id=invitation_id,
        email=email,
        role=role,
        secret_hash=minted.digest,
        invited_by=principal.subject,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    audit.record(
        principal.team_id, "user.invite", actor=principal.subject, target=email, ip=ip, role=role
    )
    return Invited(_invitation(invitation), minted.token)


def update_user(
    principal: Principal,
    user_id: str,
    *,
    role: str | None,
    disabled: bool | None,
    full_name: str | None,
    ip: str | None,
) -> User:
    account = user_store.get_account(principal.team_id, user_id)
    user = account.user
    if user_id == principal.subject and (role not in (None, user.role) or disabled):
        raise Conflict("You cannot change your own role or disable yourself")
    role_changes = role is not None and role != user.role
    demoted = role_changes and ROLE_RANK.get(role or "", 0) < ROLE_RANK.get(user.role, 0)
    if role_changes:
        audit.record(
            principal.team_id,
            "user.role_change",
            actor=principal.subject,
            target=user_id,
            ip=ip,
            old=user.role,
            new=role,
        )
    disabled_changes = disabled is not None and disabled != user.disabled
    if disabled_changes:
        audit.record(
            principal.team_id,
            "user.disable" if disabled else "user.enable",
            actor=principal.subject,
            target=user_id,
            ip=ip,
        )
    changed = user_store.change_user(
        account,
        role=role if role_changes else None,
        disabled=disabled if disabled_changes else None,
        full_name=full_name,
    )
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
    return changed

"""Team administration routes (admins only): accounts, invitations, roles (and seed 002's
allowance fields), the audit log and its permission denials (seed 001's GET /permissions)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from pydantic import Field

from functions.auth import team_admin, user_allowances
from functions.auth.account_routes import user_public
from functions.auth.schemas import (
    AuditEntry,
    Invitation,
    InvitationPublic,
    InviteRequest,
    UserPublic,
    UserUpdate,
)
from shared.app_factory import group_router
from shared.auth.dependencies import AdminPrincipal
from shared.errors import error_responses
from shared.identity.domain import AuditRecord
from shared.pagination import LIST_RESPONSES, MAX_LIMIT, Page, PageParams, Pagination, page_answer
from shared.ratelimit import client_ip

router = group_router(tags=["admin"], responses=error_responses(401, 403, 422))


@router.get(
    "/admin/users",
    response_model=Page[UserPublic],
    responses=LIST_RESPONSES,
    summary="The team's accounts",
)
async def list_users(principal: AdminPrincipal, page: Pagination) -> dict[str, Any]:
    items, total, cursor = team_admin.users(principal, page)
    return page_answer(
        [user_public(item).model_dump(mode="json") for item in items], total, page, cursor
    )


INVITATION_PATH = "/api/v1/admin/invitations/{invitation_id}"


_INVITED = {
    201: {
        "description": "The invitation (not an account: the invitee registers with its "
        "token); `id` is the invitation's, read at GET /admin/invitations/{invitation_id}",
        "headers": {
            "Location": {
                "description": "Where the invitation can be read",
                "schema": {"type": "string"},
            }
        },
        "links": {
            "GetInvitation": {
                "operationId": "get_invitation",
                "parameters": {"invitation_id": "$response.body#/id"},
            }
        },
    },
    **error_responses(409),
}


@router.post(
    "/admin/invitations",
    status_code=201,
    response_model=Invitation,
    responses=_INVITED,
    summary="Invite someone to the team: creates an invitation, which they register with",
)
@router.post(
    "/admin/users",
    status_code=201,
    response_model=Invitation,
    responses=_INVITED,
    deprecated=True,
    summary="Invite someone to the team (deprecated: use POST /admin/invitations)",
    description="Kept for existing clients. It creates an invitation, not an account, as "
    "POST /admin/invitations does, with the same body and answer; accounts are created when "
    "the invitee registers with the invitation's token.",
)
async def invite_user(
    body: InviteRequest, principal: AdminPrincipal, request: Request, response: Response
) -> Invitation:
    invited = team_admin.invite(principal, body.email, body.role, client_ip(request))
    response.headers["Location"] = INVITATION_PATH.format(invitation_id=invited.invitation.id)
    return Invitation(**invited.invitation.model_dump(), invitation_token=invited.token)


@router.get(
    "/admin/invitations",
    response_model=Page[InvitationPublic],
    responses=LIST_RESPONSES,
    summary="The team's invitations, newest first (their tokens are never shown again)",
)
async def list_invitations(principal: AdminPrincipal, page: Pagination) -> dict[str, Any]:
    items, total, cursor = team_admin.invitations(principal, page)
    return page_answer([item.model_dump(mode="json") for item in items], total, page, cursor)


@router.get(
    "/admin/invitations/{invitation_id}",
    operation_id="get_invitation",
    response_model=InvitationPublic,
    responses=error_responses(404),
    summary="One invitation of the team (its token is never shown again)",
)
async def get_invitation(invitation_id: str, principal: AdminPrincipal) -> InvitationPublic:
    return team_admin.get_invitation(principal, invitation_id)


@router.get("/admin/users/{user_id}", response_model=UserPublic, responses=error_responses(404))
async def get_user(user_id: str, principal: AdminPrincipal) -> UserPublic:
    return user_public(team_admin.get_user(principal, user_id))


_USER_UPDATE = error_responses(404, 409)
_USER_UPDATE[409]["description"] = (
    "Your own role or account (an admin cannot demote or disable themselves), spendRemaining "
    "for an account without a monthly allowance, or a change that lost a race"
)


@router.put(
    "/admin/users/{user_id}",
    response_model=UserPublic,
    responses=_USER_UPDATE,
    summary="Change an account's role, name, or disable it (its sessions end); its "
    "allowance (seed 002's admin form)",
)
async def update_user(
    user_id: str, body: UserUpdate, principal: AdminPrincipal, request: Request
) -> UserPublic:
    user = user_allowances.update_user(
        principal,
        user_id,
        role=body.role,
        disabled=body.disabled,
        full_name=body.full_name,
        changes=body.allowance_changes(),
        ip=client_ip(request),
    )
    return user_public(user)


@router.get(
    "/admin/audit",
    response_model=Page[AuditEntry],
    responses=LIST_RESPONSES,
    summary="Security and admin actions of the team, newest first",
)
async def audit_log(principal: AdminPrincipal, page: Pagination) -> dict[str, Any]:
    records, total, cursor = team_admin.audit_log(principal, page)
    return page_answer([_audit_entry(record) for record in records], total, page, cursor)


def _audit_entry(record: AuditRecord) -> dict[str, Any]:
    return AuditEntry(
        id=record.entry_id,
        at=record.at,
        action=record.action,
        outcome=record.outcome,
        actor=record.actor,
        target=record.target,
        ip=record.ip,
        detail=record.detail,
    ).model_dump(mode="json")


class DenialParams(PageParams):
    """GET /permissions: seed 001's newest 100 by default."""

    limit: int = Field(default=MAX_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page")


@router.get(
    "/permissions",
    response_model=Page[AuditEntry],
    responses=LIST_RESPONSES,
    summary="The team's permission denials (403 answers), newest first",
    description="Seed 001's `permission_denied` log entries: each 403 any group answered a "
    "caller of the team, with who, what path and method, from where, and why.",
)
async def list_permission_denials(
    principal: AdminPrincipal, page: Annotated[DenialParams, Query()]
) -> dict[str, Any]:
    records, total, cursor = team_admin.permission_denials(principal, page)
    return page_answer([_audit_entry(record) for record in records], total, page, cursor)

"""Security administration routes (admins only): the team's settings, password policy,
active sessions and IP rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response

from functions.auth import security
from functions.auth.security_schemas import (
    IpRuleCounts,
    IpRuleCreate,
    IpRulePublic,
    IpRulesPublic,
    IpRulesReplace,
    PasswordFloor,
    PasswordPolicyPublic,
    PasswordPolicyUpdate,
    SecurityPublic,
    SecurityUpdate,
    SessionListParams,
    SessionPublic,
)
from shared.app_factory import group_router
from shared.auth.dependencies import AdminPrincipal
from shared.auth.principal import Principal
from shared.errors import error_responses
from shared.identity.domain import (
    PASSWORD_FLOOR_LENGTH,
    PASSWORD_FLOOR_UNIQUE,
    PASSWORD_MAX_LENGTH,
    PasswordPolicy,
    Session,
    TeamSecurity,
)
from shared.identity.passwords import ALWAYS_REFUSED
from shared.ip_rules import guard
from shared.ip_rules import service as ip_rules
from shared.ip_rules.domain import IpRule, IpRules
from shared.pagination import LIST_RESPONSES, Page, page_answer
from shared.ratelimit import client_ip
from shared.settings import get_settings

router = group_router(tags=["security"], responses=error_responses(401, 403, 422))
_CHANGED = error_responses(409)
_CHANGED[409]["description"] = "Another admin changed it since it was read: read it again"


def policy_public(policy: PasswordPolicy) -> PasswordPolicyPublic:
    return PasswordPolicyPublic(
        min_length=policy.min_length,
        min_unique_characters=policy.min_unique_characters,
        require_uppercase=policy.require_uppercase,
        require_lowercase=policy.require_lowercase,
        require_digit=policy.require_digit,
        require_symbol=policy.require_symbol,
        max_length=PASSWORD_MAX_LENGTH,
        floor=PasswordFloor(
            min_length=PASSWORD_FLOOR_LENGTH, min_unique_characters=PASSWORD_FLOOR_UNIQUE
        ),
        always_refused=list(ALWAYS_REFUSED),
    )


def _counts(rules: IpRules) -> IpRuleCounts:
    return IpRuleCounts(
        allow=sum(rule.action == "allow" for rule in rules.rules),
        block=sum(rule.action == "block" for rule in rules.rules),
    )


def _security_public(principal: Principal, found: TeamSecurity, address: str) -> SecurityPublic:
    hours = found.settings.session_lifetime_hours
    most = get_settings().refresh_token_days * 24
    return SecurityPublic(
        mfa_required_for_admins=found.settings.mfa_required_for_admins,
        session_lifetime_hours=most if hours is None else min(hours, most),
        session_lifetime_is_default=hours is None,
        max_session_lifetime_hours=most,
        password_policy=policy_public(found.password_policy),
        ip_rules=_counts(ip_rules.rules(principal.team_id)),
        your_address=address,
        updated_at=found.updated_at,
        updated_by=found.updated_by,
    )


@router.get("/security", response_model=SecurityPublic, summary="The team's security settings")
async def get_security(principal: AdminPrincipal, request: Request) -> SecurityPublic:
    return _security_public(principal, security.security(principal.team_id), client_ip(request))


@router.put(
    "/security",
    response_model=SecurityPublic,
    responses=_CHANGED,
    summary="Change the team's security settings (fields left out stay as they are)",
)
async def update_security(
    body: SecurityUpdate, principal: AdminPrincipal, request: Request
) -> SecurityPublic:
    address = client_ip(request)
    changed = security.update_settings(principal, body.model_dump(exclude_unset=True), address)
    return _security_public(principal, changed, address)


@router.get(
    "/security/password-policy",
    response_model=PasswordPolicyPublic,
    summary="What the team's new passwords must have",
)
async def get_password_policy(principal: AdminPrincipal) -> PasswordPolicyPublic:
    return policy_public(security.security(principal.team_id).password_policy)


@router.put(
    "/security/password-policy",
    response_model=PasswordPolicyPublic,
    responses=_CHANGED,
    summary="Raise the team's password policy (never under the floor: 422 naming it)",
)
async def update_password_policy(
    body: PasswordPolicyUpdate, principal: AdminPrincipal, request: Request
) -> PasswordPolicyPublic:
    changed = security.update_password_policy(
        principal, body.model_dump(exclude_unset=True), client_ip(request)
    )
    return policy_public(changed.password_policy)


def _session_public(session: Session, principal: Principal) -> dict[str, Any]:
    return SessionPublic(
        id=session.family_id,
        user_id=session.user_id,
        started_at=session.started_at,
        last_used_at=session.last_used_at,
        expires_at=session.expires_at,
        current=session.family_id == principal.session_id,
    ).model_dump(mode="json")


@router.get(
    "/security/sessions",
    response_model=Page[SessionPublic],
    responses=LIST_RESPONSES,
    summary="The team's active sign-ins (not revoked, not expired), newest first",
)
async def list_sessions(
    principal: AdminPrincipal, params: Annotated[SessionListParams, Query()]
) -> dict[str, Any]:
    items, total, cursor = security.active_sessions(principal, params, params.user_id)
    return page_answer([_session_public(item, principal) for item in items], total, params, cursor)


@router.delete(
    "/security/sessions/{family_id}",
    status_code=204,
    responses=error_responses(404),
    summary="End a sign-in: its refresh token is refused from now on",
)
async def revoke_session(
    family_id: Annotated[str, Path(max_length=64, description="The session's id")],
    principal: AdminPrincipal,
    request: Request,
) -> Response:
    security.revoke_session(principal, family_id, client_ip(request))
    return Response(status_code=204)


def _rule_public(rule: IpRule) -> IpRulePublic:
    return IpRulePublic(
        id=rule.rule_id,
        cidr=rule.cidr,
        action=rule.action,
        description=rule.description,
        created_at=rule.created_at,
    )


def _rules_public(rules: IpRules, address: str) -> IpRulesPublic:
    counts = _counts(rules)
    return IpRulesPublic(
        rules=[_rule_public(rule) for rule in rules.rules],
        allow=counts.allow,
        block=counts.block,
        your_address=address,
        fresh_seconds=guard.FRESH_SECONDS,
        updated_at=rules.updated_at,
        updated_by=rules.updated_by,
    )


_RULES_422 = error_responses(422)
_RULES_422[422]["description"] = (
    "A rule's cidr is not an IPv4 or IPv6 network or address, a network appears twice, "
    "more than 1000 rules, or the rules would refuse this request's own address"
)


@router.get(
    "/security/ip-rules",
    response_model=IpRulesPublic,
    summary="The team's IP allow and block rules",
    description="The most specific rule holding an address decides (a network both allowed "
    "and blocked is blocked); an address no rule holds is let through unless the team has "
    "an allow rule. Every group refuses a refused address 403.",
)
async def list_ip_rules(principal: AdminPrincipal, request: Request) -> IpRulesPublic:
    return _rules_public(ip_rules.rules(principal.team_id), client_ip(request))


@router.put(
    "/security/ip-rules",
    response_model=IpRulesPublic,
    responses={**_CHANGED, **_RULES_422},
    summary="Replace the team's IP rules (an empty list removes them)",
)
async def replace_ip_rules(
    body: IpRulesReplace, principal: AdminPrincipal, request: Request
) -> IpRulesPublic:
    address = client_ip(request)
    wanted = [ip_rules.RuleInput(rule.cidr, rule.action, rule.description) for rule in body.rules]
    saved = ip_rules.replace(principal.team_id, wanted, actor=principal.subject, address=address)
    return _rules_public(saved, address)


_ADD_409 = error_responses(409)
_ADD_409[409]["description"] = (
    "The team has a rule for this network already, or another admin changed the rules first"
)


@router.post(
    "/security/ip-rules",
    status_code=201,
    response_model=IpRulePublic,
    responses={**_ADD_409, **_RULES_422},
    summary="Add one IP rule",
)
async def add_ip_rule(
    body: IpRuleCreate, principal: AdminPrincipal, request: Request
) -> IpRulePublic:
    wanted = ip_rules.RuleInput(body.cidr, body.action, body.description)
    added = ip_rules.add(
        principal.team_id, wanted, actor=principal.subject, address=client_ip(request)
    )
    return _rule_public(added)


@router.delete(
    "/security/ip-rules/{ip_rule_id}",
    status_code=204,
    responses={**error_responses(404), **_CHANGED, **_RULES_422},
    summary="Remove one IP rule",
)
async def delete_ip_rule(
    ip_rule_id: Annotated[str, Path(max_length=64)], principal: AdminPrincipal, request: Request
) -> Response:
    ip_rules.delete(
        principal.team_id, ip_rule_id, actor=principal.subject, address=client_ip(request)
    )
    return Response(status_code=204)

"""The team's notification rules (admins): `/notifications/rules[/{id}]`. The list starts
with the built-in rules every team has (`builtin: true`, as the team changed them), then
the team's own, oldest first."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from functions.notifications.schemas import RuleBody, RulePublic
from shared.app_factory import group_router
from shared.auth.dependencies import AdminPrincipal
from shared.errors import BadRequest, error_responses
from shared.notifications import rules
from shared.notifications.domain import Rule
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer

router = group_router(tags=["notification rules"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)
# What no schema can state, each 422 with the reason: a filter's path against the fields
# of the event's catalog sample, a channel or a user against the team's.
_CHECKED = error_responses(422)
_CHECKED[422]["description"] = (
    "A filter names no field of the event's type (or a value of another kind), a channel "
    "is not the team's, or a recipient user is not an account of the team"
)


def _public(rule: Rule) -> dict[str, Any]:
    return rule.model_dump(exclude={"team_id", "version"})


def _fields(body: RuleBody) -> dict[str, Any]:
    return {
        "name": body.name,
        "event": str(body.event),
        "filters": body.filters,
        "channel_ids": body.channel_ids,
        "recipients": body.recipients,
        "enabled": body.enabled,
    }


@router.get(
    "/notifications/rules",
    response_model=Page[RulePublic],
    responses=LIST_RESPONSES,
    summary="The team's notification rules: the built-ins first, then its own",
)
async def list_rules(principal: AdminPrincipal, params: Pagination) -> dict[str, Any]:
    if params.cursor is not None:  # one page holds them all: no cursor is ever issued
        raise BadRequest("Invalid cursor")
    found = rules.list_rules(principal.team_id)
    shown = found[params.offset : params.offset + params.limit]
    return page_answer([_public(rule) for rule in shown], len(found), params, None)


@router.post(
    "/notifications/rules",
    status_code=201,
    response_model=RulePublic,
    responses={**error_responses(409), **_CHECKED},
    summary="Add a rule: an event pattern to recipients, through channels",
)
async def create_rule(body: RuleBody, principal: AdminPrincipal) -> dict[str, Any]:
    return _public(rules.create_rule(principal.team_id, **_fields(body)))


@router.get(
    "/notifications/rules/{rule_id}",
    response_model=RulePublic,
    responses=_FOUND,
    summary="A notification rule",
)
async def get_rule(rule_id: str, principal: AdminPrincipal) -> dict[str, Any]:
    return _public(rules.get_rule(principal.team_id, rule_id))


@router.put(
    "/notifications/rules/{rule_id}",
    response_model=RulePublic,
    responses={**error_responses(404, 409), **_CHECKED},
    summary="Replace a rule (a built-in's name, event and filters stay: 422 otherwise)",
)
async def replace_rule(rule_id: str, body: RuleBody, principal: AdminPrincipal) -> dict[str, Any]:
    return _public(rules.replace_rule(principal.team_id, rule_id, **_fields(body)))


@router.delete(
    "/notifications/rules/{rule_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(404, 409),
    summary="Delete a rule of the team's own (a built-in is disabled instead: 409)",
)
async def delete_rule(rule_id: str, principal: AdminPrincipal) -> Response:
    rules.delete_rule(principal.team_id, rule_id)
    return Response(status_code=204)

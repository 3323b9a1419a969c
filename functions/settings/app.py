"""Settings routes: the team's typed settings, the system status and the team's KPIs. HTTP
shapes and auth only; the rules are in service.py.

Who may: every member reads the settings and the KPIs; admins change settings, read the
system status (it describes the deployment: table, bucket and bus names) and the health of
its dependencies, and wipe the team's data.

Seed 003's "all settings grouped by category" is GET /settings/categories: GET /settings is
seed 001's flat object, which stays as it is.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Path, Request
from starlette.convertors import Convertor, register_url_convertor

from functions.settings import health, service
from functions.settings.schemas import (
    Kpis,
    SettingsBulk,
    SettingsPatch,
    SettingUpdate,
    SettingValue,
    SystemStatus,
    WipeAccepted,
    WipeRequest,
)
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.errors import error_responses
from shared.ratelimit import client_ip
from shared.team_settings import TeamSettings
from shared.team_settings_categories import CATEGORIES, SettingsByCategory
from shared.team_wipe_store import Wipe

_CATEGORY = "|".join(CATEGORIES)


class _CategoryConvertor(Convertor[str]):
    """A settings category in a path: only a category's name matches, so `PUT
    /settings/wipe/{wipe_id}` is that resource's (405, Allow: GET), not a setting "wipe"."""

    regex = _CATEGORY

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("settings_category", _CategoryConvertor())
router = group_router(tags=["settings"], responses=error_responses(401, 403, 422))

SettingsBody = Annotated[
    SettingsPatch,
    Body(examples=[{"daily_cost_limit": "10.00", "max_repair_attempts": "3"}]),
]
BulkBody = Annotated[
    SettingsBulk,
    Body(
        examples=[{"settings": {"pipeline.max_repair_attempts": 3, "costs.daily_cost_limit": 10}}]
    ),
]
Category = Annotated[
    str, Path(pattern=f"^(?:{_CATEGORY})$", description="a category of GET /settings/categories")
]
Key = Annotated[str, Path(max_length=60, description="the setting's name, as GET /settings has it")]
WipeId = Annotated[str, Path(max_length=64)]


@router.get("/settings", response_model=TeamSettings, summary="The team's settings")
@router.get(
    "/system/settings",
    response_model=TeamSettings,
    summary="The team's settings (an alias of GET /settings)",
)
async def read_settings(principal: CurrentPrincipal) -> TeamSettings:
    return service.read_settings(principal.team_id)


@router.post(
    "/settings",
    response_model=TeamSettings,
    responses=error_responses(409),
    summary="Change some settings (admins); unknown names are refused",
)
@router.patch(
    "/system/settings",
    response_model=TeamSettings,
    responses=error_responses(409),
    summary="Change some settings (admins); an alias of POST /settings",
)
async def update_settings(
    patch: SettingsBody, principal: AdminPrincipal, request: Request
) -> TeamSettings:
    return service.update_settings(
        principal.team_id, patch.changes(), actor=principal.subject, ip=client_ip(request)
    )


@router.get(
    "/settings/categories",
    response_model=SettingsByCategory,
    summary="The team's settings grouped by category (seed 003's GET /settings/)",
)
async def read_settings_by_category(principal: CurrentPrincipal) -> Any:
    return service.settings_by_category(principal.team_id)


@router.put(
    "/settings/bulk",
    response_model=SettingsByCategory,
    responses=error_responses(409),
    summary="Change several settings by '<category>.<key>' (admins): all or none, each bad "
    "key named in the 422",
)
async def update_settings_bulk(body: BulkBody, principal: AdminPrincipal, request: Request) -> Any:
    return service.update_bulk(
        principal.team_id, body.changes(), actor=principal.subject, ip=client_ip(request)
    )


@router.put(
    "/settings/{category:settings_category}/{key}",
    response_model=SettingValue,
    responses=error_responses(404, 409),
    summary="Change one setting by category and key (admins)",
    description="`value` takes the type of the setting the path names (as GET "
    "/settings/categories shows it; numbers may come as their plain text, null or a blank "
    "text clears a nullable setting): any other is 422. A category without that key is 404.",
)
async def update_setting(
    category: Category, key: Key, body: SettingUpdate, principal: AdminPrincipal, request: Request
) -> SettingValue:
    return service.update_setting(
        principal.team_id,
        category,
        key,
        body.value,
        actor=principal.subject,
        ip=client_ip(request),
    )


@router.get(
    "/settings/health",
    response_model=health.SettingsHealth,
    summary="Each dependency (tables, bucket, queues, state machines, Secrets Manager): "
    "status and time to answer (admins)",
)
async def settings_health(principal: AdminPrincipal) -> health.SettingsHealth:
    return health.check_health()


@router.post(
    "/settings/wipe",
    response_model=WipeAccepted,
    status_code=202,
    responses=error_responses(409, 503),
    summary="Delete the team's data (admins; confirm with the team's id or name): jobs, "
    "projects, agents (the defaults made again), providers, costs, events, work, files, "
    "secrets, schedules; never accounts, keys or the audit log",
    description="Runs in the team_wipe worker: follow it at GET /settings/wipe/{wipe_id}. "
    "`confirm` must be the team's id or its name (422 otherwise); 409 while another wipe "
    "is under way or the team has jobs in progress; 503 when the wipe could not be queued.",
)
async def wipe(body: WipeRequest, principal: AdminPrincipal, request: Request) -> WipeAccepted:
    accepted = service.request_wipe(
        principal.team_id, body.confirm, actor=principal.subject, ip=client_ip(request)
    )
    return WipeAccepted(wipe_id=accepted.wipe_id, status=accepted.status)


@router.get(
    "/settings/wipe/{wipe_id}",
    response_model=Wipe,
    responses=error_responses(404),
    summary="A wipe: queued, running, succeeded or failed, with what it deleted (admins)",
)
async def read_wipe(wipe_id: WipeId, principal: AdminPrincipal) -> Wipe:
    return service.read_wipe(principal.team_id, wipe_id)


@router.get(
    "/system/status",
    response_model=SystemStatus,
    summary="Version, job queue, tables and bucket by logical key, the team's counts (admins)",
)
async def system_status(principal: AdminPrincipal) -> SystemStatus:
    return service.system_status(principal.team_id)


@router.get(
    "/kpis",
    response_model=Kpis,
    summary="Projects by status, job success rate, total cost, active providers and models",
)
async def get_kpis(principal: CurrentPrincipal) -> Kpis:
    return service.kpis(principal.team_id)


app = create_app("settings", router)

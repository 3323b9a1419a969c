"""Settings routes: the team's typed settings, the system status and the team's KPIs. HTTP
shapes and auth only; the rules are in service.py.

Who may: every member reads the settings and the KPIs; admins change settings and read the
system status (it describes the deployment: table, bucket and bus names).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Request

from functions.settings import service
from functions.settings.schemas import Kpis, SettingsPatch, SystemStatus
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.errors import error_responses
from shared.ratelimit import client_ip
from shared.team_settings import TeamSettings

router = group_router(tags=["settings"], responses=error_responses(401, 403, 422))

SettingsBody = Annotated[
    SettingsPatch,
    Body(examples=[{"daily_cost_limit": "10.00", "max_repair_attempts": "3"}]),
]


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

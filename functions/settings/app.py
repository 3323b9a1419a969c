"""Settings routes: the team's typed settings, the system status and the team's KPIs. HTTP
shapes and auth only; the rules are in service.py.

Who may: every member reads the settings and the KPIs; admins change settings and read the
system status (it describes the deployment: table, bucket and bus names).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Request

from functions.settings import service
from functions.settings.schemas import Kpis, SystemStatus
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.errors import error_responses
from shared.ratelimit import client_ip
from shared.team_settings import SETTING_NAMES, TeamSettings

router = group_router(tags=["settings"], responses=error_responses(401, 403, 422))

SettingsPatch = Annotated[
    dict[str, Any],
    Body(
        description=(
            "The settings to change, by name; the others keep their values. Known names: "
            f"{', '.join(SETTING_NAMES)}. Values may be strings ('3'); null clears a "
            "nullable setting. daily_cost_limit and budget_alert_thresholds are the team "
            "budget's daily_limit and alert_thresholds (PUT /costs/budget)."
        ),
        examples=[{"daily_cost_limit": "10.00", "max_repair_attempts": "3"}],
    ),
]


@router.get("/settings", response_model=TeamSettings, summary="The team's settings")
@router.get(
    "/system/settings",
    response_model=TeamSettings,
    include_in_schema=False,
    summary="The team's settings (alias)",
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
    patch: SettingsPatch, principal: AdminPrincipal, request: Request
) -> TeamSettings:
    return service.update_settings(
        principal.team_id, patch, actor=principal.subject, ip=client_ip(request)
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

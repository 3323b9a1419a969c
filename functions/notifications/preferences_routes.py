"""Your notification preferences: `/notifications/preferences` (GET, PUT). Muted kinds
notify you of nothing; in-app-only kinds reach your inbox and no other channel."""

from __future__ import annotations

from typing import Any

from functions.notifications.schemas import PreferencesBody, PreferencesPublic
from shared.app_factory import group_router
from shared.auth.dependencies import CurrentPrincipal
from shared.errors import error_responses
from shared.notifications import preferences
from shared.notifications.domain import Preferences

router = group_router(tags=["notifications"], responses=error_responses(401, 403, 422))


def _public(chosen: Preferences) -> dict[str, Any]:
    return chosen.model_dump()


@router.get(
    "/notifications/preferences",
    response_model=PreferencesPublic,
    summary="Your notification preferences",
)
async def get_preferences(principal: CurrentPrincipal) -> dict[str, Any]:
    return _public(preferences.get_preferences(principal.team_id, principal.subject))


@router.put(
    "/notifications/preferences",
    response_model=PreferencesPublic,
    summary="Replace your notification preferences",
)
async def put_preferences(body: PreferencesBody, principal: CurrentPrincipal) -> dict[str, Any]:
    chosen = preferences.put_preferences(
        principal.team_id,
        principal.subject,
        muted=[str(kind) for kind in body.muted],
        in_app_only=[str(kind) for kind in body.in_app_only],
    )
    return _public(chosen)

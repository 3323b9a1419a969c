"""What the auth dependencies read of a team's security settings, on the request path:
whether its admins must use MFA. Kept per container for `FRESH_SECONDS` (as the IP rules
are, shared.ip_rules.guard), so an admin route pays a dict lookup; the container that
changes the settings keeps the new value, the others see the change within the window."""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

FRESH_SECONDS = 15.0
MAX_TEAMS = 4096
MFA_NEEDED = (
    "This team requires admins to use MFA: enable it (POST /auth/mfa/setup, then "
    "/auth/mfa/verify) and sign in again"
)

clock: Callable[[], float] = time.monotonic  # tests drive it
# team -> (whether its admins need MFA, the clock reading it stops being fresh at)
_cache: dict[str, tuple[bool, float]] = {}


def _load(team_id: str) -> bool:
    from shared.identity.store.security import get_security  # PynamoDB: not at import

    needed = get_security(team_id).settings.mfa_required_for_admins
    remember(team_id, needed)
    return needed


def remember(team_id: str, needed: bool) -> None:
    """Keep what the team asks for FRESH_SECONDS (the container that changed it: at once,
    with no eventually consistent read that could still answer the old value)."""
    if len(_cache) >= MAX_TEAMS and team_id not in _cache:
        _cache.clear()
    _cache[team_id] = (needed, clock() + FRESH_SECONDS)


async def admins_need_mfa(team_id: str) -> bool:
    entry = _cache.get(team_id)
    if entry is not None and clock() < entry[1]:
        return entry[0]
    return await run_in_threadpool(_load, team_id)


def forget(team_id: str | None = None) -> None:
    if team_id is None:
        _cache.clear()
    else:
        _cache.pop(team_id, None)

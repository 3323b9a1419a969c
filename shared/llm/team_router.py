"""The router as a team has configured it: its providers, its fallback model and its
circuit-breaker settings. The agents group's test call and the pipeline's phases both
route through `router_for`, so a test call behaves as a job's call would.

The name "offline" is the built-in offline provider (the default agents use it): it is
always a provider an agent may name, and it answers when the team has not registered a
provider of that name itself.
"""

from __future__ import annotations

from shared.errors import NotFound
from shared.llm import registry
from shared.llm.breaker import policy_for
from shared.llm.providers import NamedOfflineProvider
from shared.llm.router import Router, Target
from shared.llm.types import Provider
from shared.team_settings import TeamSettings

BUILTIN_PROVIDER = "offline"


def client_for(team_id: str, name: str) -> Provider:
    """The router's client source: the team's provider, or the built-in offline one."""
    try:
        return registry.client_for(team_id, name)
    except NotFound:
        if name != BUILTIN_PROVIDER:
            raise
        return NamedOfflineProvider(name)


def _clients(team_id: str, name: str) -> Provider:
    # Looked up at call time, so a test can replace `client_for` on this module.
    return client_for(team_id, name)


def router_for(settings: TeamSettings) -> Router:
    """A router with the team's fallback model and circuit-breaker settings."""
    fallback = settings.fallback
    return Router(
        clients=_clients,
        fallback=Target(*fallback) if fallback is not None else None,
        policy=policy_for(settings),
    )

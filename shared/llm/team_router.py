"""The router as a team has configured it: its providers, its fallback model and its
circuit-breaker settings. The agents group's test call and the pipeline's phases both
route through `router_for`, so a test call behaves as a job's call would.

The name "templates" (or its older name "offline") is the built-in template generator
(the default agents use it): it is always a provider an agent may name, and it answers
when the team has not registered a provider of that name itself. It renders what it is
handed: the pipeline passes its project templates (`renderer`); the agents group's test
call passes none, so a plain message gets a reply saying what it is.
"""

from __future__ import annotations

from shared.errors import NotFound
from shared.llm import registry
from shared.llm.breaker import policy_for
from shared.llm.providers.templates import KIND as BUILTIN_PROVIDER
from shared.llm.providers.templates import Renderer, TemplateProvider, is_builtin_name
from shared.llm.router import Router, Target
from shared.llm.types import Provider
from shared.team_settings import TeamSettings

__all__ = ["BUILTIN_PROVIDER", "client_for", "router_for"]


def client_for(team_id: str, name: str) -> Provider:
    """The router's client source: the team's provider, or the built-in template generator."""
    try:
        return registry.client_for(team_id, name)
    except NotFound:
        if not is_builtin_name(name):
            raise
        return TemplateProvider(name)


def router_for(settings: TeamSettings, renderer: Renderer | None = None) -> Router:
    """A router with the team's fallback model and circuit-breaker settings; a template
    generator it reaches renders with `renderer`."""

    def clients(team_id: str, name: str) -> Provider:
        # Looked up at call time, so a test can replace `client_for` on this module.
        client = client_for(team_id, name)
        if renderer is not None and isinstance(client, TemplateProvider):
            return client.with_renderer(renderer)
        return client

    fallback = settings.fallback
    return Router(
        clients=clients,
        fallback=Target(*fallback) if fallback is not None else None,
        policy=policy_for(settings),
    )

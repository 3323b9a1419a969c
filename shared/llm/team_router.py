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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.db.batch import ItemKey
from shared.errors import NotFound
from shared.llm import registry
from shared.llm.breaker import policy_for
from shared.llm.providers.templates import KIND as BUILTIN_PROVIDER
from shared.llm.providers.templates import Renderer, TemplateProvider, is_builtin_name
from shared.llm.router import Router, Target
from shared.llm.types import Provider
from shared.team_settings import TeamSettings

__all__ = ["BUILTIN_PROVIDER", "client_for", "router_for"]


def client_for(team_id: str, name: str, read: Mapping[Any, Any] | None = None) -> Provider:
    """The team's provider, or the built-in template generator; `read` is a batch read
    that asked for the provider's `registry.item_key` (None: the registry reads it)."""
    try:
        return registry.client_for(team_id, name, read)
    except NotFound:
        if not is_builtin_name(name):
            raise
        return TemplateProvider(name)


@dataclass(frozen=True, slots=True)
class _TeamClients:
    """The router's client source: each candidate's provider item joins the router's one
    BatchGetItem (a built-in name too: a team may register a provider under it)."""

    renderer: Renderer | None

    def keys(self, team_id: str, name: str) -> Sequence[ItemKey]:
        return (registry.item_key(team_id, name),)

    def client(self, team_id: str, name: str, read: Mapping[ItemKey, Any] | None) -> Provider:
        # Looked up at call time, so a test can replace `client_for` on this module.
        client = client_for(team_id, name, read)
        if self.renderer is not None and isinstance(client, TemplateProvider):
            return client.with_renderer(self.renderer)
        return client


def router_for(settings: TeamSettings, renderer: Renderer | None = None) -> Router:
    """A router with the team's fallback model and circuit-breaker settings; a template
    generator it reaches renders with `renderer`."""
    fallback = settings.fallback
    return Router(
        clients=_TeamClients(renderer),
        fallback=Target(*fallback) if fallback is not None else None,
        policy=policy_for(settings),
    )

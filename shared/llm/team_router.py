"""The router as a team has configured it: its providers, its fallback model and its
circuit-breaker settings. The agents group's test call and the pipeline's phases both
route through `router_for`, so a test call behaves as a job's call would.

The name "templates" (or its older name "offline") is the built-in template generator
(the default agents use it): the registry answers it for every team, and no team may
register a provider under either name. It renders what it is handed: the pipeline
passes its project templates (`renderer`); the agents group's test call passes none, so a
plain message gets a reply saying what it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.db.batch import ItemKey
from shared.llm import registry
from shared.llm.breaker import policy_for
from shared.llm.providers.templates import KIND as BUILTIN_PROVIDER
from shared.llm.providers.templates import Renderer, TemplateProvider
from shared.llm.router import Router, Target
from shared.llm.types import Provider
from shared.team_settings import TeamSettings

__all__ = ["BUILTIN_PROVIDER", "client_for", "router_for"]


def client_for(team_id: str, name: str, read: Mapping[Any, Any] | None = None) -> Provider:
    """The team's provider, the built-in template generator included; `read` is a batch
    read that asked for the provider's `registry.item_key` (None: the registry reads it)."""
    return registry.client_for(team_id, name, read)


@dataclass(frozen=True, slots=True)
class _TeamClients:
    """The router's client source: each candidate's provider item joins the router's one
    BatchGetItem (a built-in name's too, which the registry then answers without it)."""

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

"""What the provider routes need beyond one library call each; the rules stay in the libraries
(shared.llm.registry, shared.llm.breaker, shared.llm.providers.catalog).

- A provider is in use while a live agent names it or a team setting does (the default
  provider, the smart model fallback): the store refuses to delete it.
- A provider's models are the catalog's for its kind, and its default model when the
  catalog does not know it (unpriced: its cost is unknown, not zero).
- The breaker list has one entry per configured provider: a provider with no stored breaker
  is closed with no failures, and a stored breaker of a provider since deleted is left out.

DynamoDB per call:
  in_use                 one Query (agents) + one GetItem (settings, only when no agent uses it)
  providers, catalog     one Query + one COUNT Query per 100 providers
  provider_models, model one GetItem
  breakers               one GetItem (settings) + one Query (breakers) + providers' Queries
  force_open, force_close, reset
                         one GetItem (provider) + the breaker's GetItem and UpdateItem
"""

from __future__ import annotations

from dataclasses import dataclass

from shared import team_settings
from shared.agents import service as agents
from shared.errors import NotFound
from shared.llm import breaker, registry
from shared.llm.breaker import BreakerPolicy, BreakerSnapshot
from shared.llm.breaker_models import CLOSED
from shared.llm.providers import catalog
from shared.llm.types import Pricing
from shared.pagination import MAX_LIMIT, PageParams


@dataclass(frozen=True, slots=True)
class ProviderModel:
    """A model a provider offers, as the catalog prices it (`pricing` None: not known)."""

    provider: str
    kind: registry.ProviderKind
    id: str
    label: str
    pricing: Pricing | None
    aliases: tuple[str, ...]
    default: bool


def in_use(team_id: str, name: str) -> bool:
    """Whether an agent or a team setting still names the provider `name`."""
    if agents.in_use(team_id, name):
        return True
    return team_settings.get_settings(team_id).references_provider(name)


def delete_provider(team_id: str, name: str) -> None:
    """Delete the provider; Conflict while it is in use or the team's active provider."""
    registry.delete(team_id, name, in_use=in_use)


def providers(team_id: str) -> list[registry.ProviderPublic]:
    """Every provider of the team, by name (a team has a handful; pages of 100)."""
    params = PageParams(limit=MAX_LIMIT)
    found: list[registry.ProviderPublic] = []
    while True:
        page, _total, cursor = registry.listing(team_id, params)
        found += page
        if cursor is None:
            return found
        params = PageParams(limit=MAX_LIMIT, cursor=cursor)


def provider_models(team_id: str, name: str) -> list[ProviderModel]:
    """The models of the team's provider `name` (NotFound when it has none of that name)."""
    return _models_of(registry.get(team_id, name))


def model(team_id: str, name: str, model_id: str) -> ProviderModel:
    """One model of the provider, by id or alias; NotFound when it offers no such model."""
    for entry in provider_models(team_id, name):
        if model_id == entry.id or model_id in entry.aliases:
            return entry
    raise NotFound(f"Model '{model_id}' is not one of provider '{name}''s models")


def catalog_models(team_id: str) -> list[ProviderModel]:
    """The models of every provider of the team, provider by provider."""
    return [entry for provider in providers(team_id) for entry in _models_of(provider)]


def breaker_policy(team_id: str) -> BreakerPolicy:
    """The team's breaker settings (threshold, cooldown) as a policy."""
    settings = team_settings.get_settings(team_id)
    return BreakerPolicy(
        failure_threshold=settings.breaker_failure_threshold,
        cooldown_seconds=settings.breaker_cooldown_seconds,
    )


def breakers(team_id: str) -> list[BreakerSnapshot]:
    """One breaker per configured provider, by provider name."""
    stored = {found.provider: found for found in breaker.states(team_id, breaker_policy(team_id))}
    return [
        stored.get(provider.name) or BreakerSnapshot(provider=provider.name, state=CLOSED)
        for provider in providers(team_id)
    ]


def force_open(team_id: str, name: str) -> BreakerSnapshot:
    registry.config(team_id, name)  # NotFound for a provider the team does not have
    return breaker.force_open(team_id, name)


def force_close(team_id: str, name: str) -> BreakerSnapshot:
    registry.config(team_id, name)
    return breaker.force_close(team_id, name)


def reset(team_id: str, name: str) -> BreakerSnapshot:
    registry.config(team_id, name)
    return breaker.reset(team_id, name)


def _models_of(provider: registry.ProviderPublic) -> list[ProviderModel]:
    kind, default = provider.kind, provider.default_model
    default_entry = catalog.find(kind, default) if default else None
    found = [
        ProviderModel(
            provider=provider.name,
            kind=kind,
            id=entry.id,
            label=entry.label,
            pricing=entry.pricing,
            aliases=entry.aliases,
            default=entry is default_entry,
        )
        for entry in catalog.models(kind)
    ]
    if default and default_entry is None:
        found.append(
            ProviderModel(
                provider=provider.name,
                kind=kind,
                id=default,
                label=default,
                pricing=None,
                aliases=(),
                default=True,
            )
        )
    return found

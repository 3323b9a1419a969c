"""The providers group's rules; the routes call only this module, and it calls the
libraries (shared.llm.registry, shared.llm.breaker, shared.llm.providers.catalog).

- Every team has the built-in template generator (`templates`): listed first, read like
  any provider, used as the default; the registry refuses every write to it (409).
- A provider is in use while a live agent names it or a team setting does (the default
  provider, the smart model fallback): the registry refuses to delete it.
- The team's active provider is its `default_provider` setting, which agents created
  without a provider take: `use_provider` sets it, for an enabled provider only.
- A provider's models are the catalog's for its kind, and its default model when the
  catalog does not know it (unpriced: its cost is unknown, not zero).
- The breaker list has one entry per configured provider: a provider with no stored breaker
  is closed with no failures, and a stored breaker of a provider since deleted is left out.

DynamoDB per call:
  in_use                 one Query (agents) + one GetItem (settings, only when no agent uses it)
  use_provider           one GetItem (provider) + the settings' GetItem and PutItem
  providers, catalog     one Query + one COUNT Query per 100 providers (the built-in: none)
  provider_models, model one GetItem
  breakers               one GetItem (settings) + one Query (breakers) + providers' Queries
  force_open, force_close, reset
                         one GetItem (provider) + the breaker's GetItem and UpdateItem
"""

from __future__ import annotations

from functions.providers.schemas import (
    BreakerList,
    BreakerSnapshot,
    ModelList,
    ModelPublic,
    ProviderCheck,
    ProviderCreate,
    ProviderPublic,
    ProviderUpdate,
    ProviderUpsert,
)
from shared import team_settings
from shared.agents import service as agents
from shared.errors import Conflict, NotFound
from shared.llm import breaker, registry
from shared.llm.providers import catalog
from shared.llm.providers.catalog import PRICES_PUBLISHED
from shared.observability import logger
from shared.pagination import MAX_LIMIT, PageParams


def listing(team_id: str, params: PageParams) -> tuple[list[ProviderPublic], int, str | None]:
    return registry.listing(team_id, params)


def create_provider(team_id: str, body: ProviderCreate) -> ProviderPublic:
    return registry.create(team_id, body)


def get_provider(team_id: str, name: str) -> ProviderPublic:
    return registry.get(team_id, name)


def upsert_provider(team_id: str, name: str, body: ProviderUpsert) -> tuple[ProviderPublic, bool]:
    """The provider as stored, and whether it was created (else replaced)."""
    return registry.upsert(team_id, name, body)


def update_provider(team_id: str, name: str, body: ProviderUpdate) -> ProviderPublic:
    return registry.update(team_id, name, body)


def test_provider(team_id: str, name: str) -> ProviderCheck:
    return registry.test(team_id, name)


def in_use(team_id: str, name: str) -> bool:
    """Whether an agent or a team setting still names the provider `name`."""
    if agents.in_use(team_id, name):
        return True
    return team_settings.get_team_settings(team_id).references_provider(name)


def delete_provider(team_id: str, name: str) -> None:
    """Delete the provider; Conflict while it is in use (the active one included)."""
    registry.delete(team_id, name, in_use=in_use)


def use_provider(team_id: str, name: str) -> ProviderPublic:
    """Make the provider the team's active one (its default provider); Conflict when it
    is disabled, NotFound when the team has none of that name."""
    provider = registry.get(team_id, name)
    if not provider.enabled:
        raise Conflict(f"Provider '{name}' is disabled; enable it before making it active")
    # The provider's own name: the built-in's older name is stored as today's.
    team_settings.update_team_settings(team_id, {"default_provider": provider.name})
    logger.info("active provider chosen", extra={"team_id": team_id, "provider": provider.name})
    return provider


def providers(team_id: str) -> list[ProviderPublic]:
    """Every provider of the team, the built-in first, then by name (a team has a handful;
    pages of 100)."""
    params = PageParams(limit=MAX_LIMIT)
    found: list[ProviderPublic] = []
    while True:
        page, _total, cursor = registry.listing(team_id, params)
        found += page
        if cursor is None:
            return found
        params = PageParams(limit=MAX_LIMIT, cursor=cursor)


def provider_models(team_id: str, name: str) -> ModelList:
    """The models of the team's provider `name` (NotFound when it has none of that name)."""
    return _listed(_models_of(registry.get(team_id, name)))


def model(team_id: str, name: str, model_id: str) -> ModelPublic:
    """One model of the provider, by id or alias; NotFound when it offers no such model."""
    for entry in _models_of(registry.get(team_id, name)):
        if model_id == entry.id or model_id in entry.aliases:
            return entry
    raise NotFound(f"Model '{model_id}' is not one of provider '{name}''s models")


def catalog_models(team_id: str) -> ModelList:
    """The models of every provider of the team, provider by provider."""
    return _listed([entry for provider in providers(team_id) for entry in _models_of(provider)])


def breakers(team_id: str) -> BreakerList:
    """One breaker per configured provider, by provider name."""
    policy = breaker.policy_for(team_settings.get_team_settings(team_id))
    stored = {found.provider: found for found in breaker.states(team_id, policy)}
    items = [
        stored.get(provider.name) or BreakerSnapshot(provider=provider.name, state=breaker.CLOSED)
        for provider in providers(team_id)
    ]
    return BreakerList(items=items, total=len(items))


def force_open(team_id: str, name: str) -> BreakerSnapshot:
    registry.config(team_id, name)  # NotFound for a provider the team does not have
    return breaker.force_open(team_id, name)


def force_close(team_id: str, name: str) -> BreakerSnapshot:
    registry.config(team_id, name)
    return breaker.force_close(team_id, name)


def reset(team_id: str, name: str) -> BreakerSnapshot:
    registry.config(team_id, name)
    return breaker.reset(team_id, name)


def _listed(entries: list[ModelPublic]) -> ModelList:
    return ModelList(items=entries, total=len(entries), prices_published=PRICES_PUBLISHED)


def _models_of(provider: ProviderPublic) -> list[ModelPublic]:
    kind, default = provider.kind, provider.default_model
    default_entry = catalog.find(kind, default) if default else None
    found = [
        ModelPublic(
            provider=provider.name,
            kind=kind,
            id=entry.id,
            label=entry.label,
            input_usd_per_million=entry.pricing.input_per_million,
            output_usd_per_million=entry.pricing.output_per_million,
            aliases=list(entry.aliases),
            default=entry is default_entry,
        )
        for entry in catalog.models(kind)
    ]
    if default and default_entry is None:
        found.append(
            ModelPublic(
                provider=provider.name,
                kind=kind,
                id=default,
                label=default,
                input_usd_per_million=None,
                output_usd_per_million=None,
                aliases=[],
                default=True,
            )
        )
    return found

"""The only code that reads or writes a team's providers: items in, `ProviderConfig` out.

Every write is conditional on the version the configuration was read at (an insert: on
nothing being stored under the name), so a lost race is Conflict (409) and changes nothing.
A provider stored under the template generator's older kind reads as today's. An item
stored under a name of the built-in template generator (before those names were reserved)
is shadowed by it: the listings and counts leave it out (shared.llm.registry.builtin).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.db.base import get_or_none, insert, storage_errors, team_partition
from shared.db.query import query_page
from shared.errors import NotFound
from shared.llm.providers import templates
from shared.llm.registry.domain import ProviderConfig
from shared.llm.registry.models import ProviderItem, item_key, provider_key
from shared.pagination import PageParams, encode_cursor

__all__ = [
    "add",
    "count",
    "delete",
    "find",
    "from_read",
    "item_key",
    "models",
    "page",
    "read",
    "save",
    "start_cursor",
]

# The built-in's names (today's and its older one): no stored item under them is listed.
_BUILTIN_NAMES = (templates.KIND, *templates.KIND_ALIASES)


def _not_shadowed() -> Any:
    return ~ProviderItem.name.is_in(*_BUILTIN_NAMES)


def read(team_id: str, name: str) -> ProviderConfig:
    """The provider's configuration; NotFound when the team has none of that name."""
    with storage_errors("provider"):
        return _config(ProviderItem.get(team_partition(team_id), provider_key(name)))


def find(team_id: str, name: str) -> ProviderConfig | None:
    """The provider's configuration, or None when the team has none of that name."""
    found = get_or_none(ProviderItem, team_partition(team_id), provider_key(name))
    return None if found is None else _config(found)


def from_read(found: Mapping[Any, Any], team_id: str, name: str) -> ProviderConfig:
    """The provider in the answer to a batch read that asked for its `item_key` (no
    request of its own); NotFound when nothing is stored, as `read` says it."""
    item: ProviderItem | None = found.get(item_key(team_id, name))
    if item is None:
        raise NotFound("provider not found")
    return _config(item)


def page(team_id: str, params: PageParams) -> tuple[list[ProviderConfig], int, str | None]:
    """One page of the team's providers by name: (providers, total, next cursor)."""
    items, total, cursor = query_page(
        ProviderItem,
        team_partition(team_id),
        params,
        range_key_condition=ProviderItem.sk.startswith(provider_key()),
        filter_condition=_not_shadowed(),
        newest_first=False,
    )
    return [_config(item) for item in items], total, cursor


def start_cursor(team_id: str) -> str:
    """A cursor `page` takes to start at the team's first provider: the key just before
    every provider key (a page that shows something else first ends with it)."""
    return encode_cursor(
        {
            ProviderItem._hash_key_attribute().attr_name: team_partition(team_id),
            ProviderItem._range_key_attribute().attr_name: provider_key(),
        }
    )


def models(team_id: str) -> list[tuple[str, bool, str]]:
    """(name, enabled, default model) of each of the team's providers: one Query, projected."""
    with storage_errors("provider"):
        items = ProviderItem.query(
            team_partition(team_id),
            ProviderItem.sk.startswith(provider_key()),
            filter_condition=_not_shadowed(),
            attributes_to_get=["name", "enabled", "default_model"],
        )
        return [(item.name, bool(item.enabled), item.default_model) for item in items]


def count(team_id: str) -> int:
    """How many providers the team has registered (one Query, Select=COUNT)."""
    with storage_errors("provider"):
        return ProviderItem.count(
            team_partition(team_id),
            ProviderItem.sk.startswith(provider_key()),
            filter_condition=_not_shadowed(),
        )


def add(config: ProviderConfig) -> ProviderConfig:
    """Store a new provider (its `version` 0); Conflict when the team has one of that name.
    The provider as stored."""
    item = _item(config)
    insert(item, "provider", taken=f"A provider named '{config.name}' already exists")
    return _config(item)


def save(config: ProviderConfig) -> ProviderConfig:
    """Replace the provider stored at `config.version` with `config`; Conflict when it
    changed since (or is gone). The provider as stored, at its new version."""
    item = _item(config)
    with storage_errors("provider"):
        item.save()
    return _config(item)


def delete(config: ProviderConfig) -> None:
    """Delete the provider stored at `config.version`; Conflict when it changed since."""
    with storage_errors(f"Provider '{config.name}'"):
        _item(config).delete()


def _item(config: ProviderConfig) -> ProviderItem:
    item = ProviderItem(
        team_partition(config.team_id),
        provider_key(config.name),
        team_id=config.team_id,
        name=config.name,
        kind=config.kind,
        base_url=config.base_url or None,
        default_model=config.default_model,
        enabled=config.enabled,
        has_key=config.has_key,
        key_hint=config.key_hint,
        key_version=config.key_version,
        created_at=config.created_at,
        updated_at=config.updated_at,
    )
    if config.version:
        item.version = config.version  # the version read: save and delete check it
    return item


def _config(item: ProviderItem) -> ProviderConfig:
    # A provider stored under the template generator's older kind reads as today's.
    kind: Any = templates.canonical_kind(item.kind)
    default_model = item.default_model
    if kind == templates.KIND:
        default_model = templates.MODEL
    return ProviderConfig(
        team_id=item.team_id,
        name=item.name,
        kind=kind,
        base_url=item.base_url or "",
        default_model=default_model,
        enabled=item.enabled,
        has_key=item.has_key,
        key_hint=item.key_hint,
        key_version=item.key_version,
        version=item.version or 0,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )

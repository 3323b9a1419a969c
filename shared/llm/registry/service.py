"""A team's providers: create, upsert, read, list, update, delete.

Writes are conditional: a create on a taken name, and an update or delete that lost a race
with another request, answer Conflict (409) and change nothing. The item is written first
and the key second, under the secret version the item already names; if the key cannot be
stored the item is put back as it was, so a failed request leaves no half-change behind.

The team's default provider is a team setting (`default_provider`, set by
`POST /providers/{name}/use`): the `in_use` a delete is handed refuses to delete it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from pydantic import SecretStr
from pynamodb.exceptions import PynamoDBException

from shared.db.base import get_or_none, insert, storage_errors, team_partition
from shared.db.query import query_page
from shared.errors import Conflict, DomainError, NotFound, Unprocessable
from shared.ids import utcnow
from shared.llm import provider_keys as keys
from shared.llm.providers import templates
from shared.llm.registry.models import ProviderItem, item_key, provider_key
from shared.llm.registry.schemas import (
    NAME_PATTERN,
    ApiKeyStatus,
    ProviderCreate,
    ProviderKind,
    ProviderPublic,
    ProviderUpdate,
    ProviderUpsert,
)
from shared.llm.url_policy import check_base_url
from shared.observability import logger
from shared.pagination import PageParams
from shared.settings import get_settings

# Says whether an agent (or anything else) still uses a provider: (team_id, name) -> bool.
InUse = Callable[[str, str], bool]


class _Keep:
    """The stored key stays as it is (the request did not mention `api_key`)."""


KEEP: Final = _Keep()
KeyChange = SecretStr | None | _Keep

# Kinds that sign with the function's IAM role (bedrock) or call nothing (templates).
_KEYLESS_KINDS = frozenset({"bedrock", templates.KIND})
# What an update may change: put back when its key could not be stored.
_RESTORED = (
    "kind",
    "base_url",
    "default_model",
    "enabled",
    "has_key",
    "key_hint",
    "key_version",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """A provider as the service knows it: what building its client needs."""

    team_id: str
    name: str
    kind: ProviderKind
    base_url: str
    default_model: str
    enabled: bool
    has_key: bool
    key_hint: str | None
    key_version: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    def public(self) -> ProviderPublic:
        return ProviderPublic(
            name=self.name,
            kind=self.kind,
            base_url=self.base_url,
            default_model=self.default_model,
            enabled=self.enabled,
            api_key=ApiKeyStatus(configured=self.has_key, hint=self.key_hint),
            created_at=self.created_at,
            updated_at=self.updated_at,
        )


def strict_urls() -> bool:
    """Deployed, a base_url must be https at a public address (shared.llm.url_policy)."""
    return not get_settings().is_local


def create(team_id: str, body: ProviderCreate) -> ProviderPublic:
    """A new provider; Conflict when the team already has one of that name."""
    return _insert(team_id, body.name, body).public()


def upsert(team_id: str, name: str, body: ProviderUpsert) -> tuple[ProviderPublic, bool]:
    """Create the provider, or replace its configuration: (provider, whether it is new).

    `api_key` left out of `body` keeps the stored key (null removes it).
    """
    if not re.fullmatch(NAME_PATTERN, name):
        raise Unprocessable("A provider name is 1-63 lower-case letters, digits and dashes")
    existing = get_or_none(ProviderItem, team_partition(team_id), provider_key(name))
    if existing is None:
        return _insert(team_id, name, body).public(), True
    changes = body.model_dump(exclude={"api_key"})
    key = body.api_key if "api_key" in body.model_fields_set else KEEP
    return _apply(team_id, existing, changes, key).public(), False


def get(team_id: str, name: str) -> ProviderPublic:
    return config(team_id, name).public()


def config(team_id: str, name: str, *, read: Mapping[Any, Any] | None = None) -> ProviderConfig:
    """The provider's stored configuration (NotFound when the team has none of that name).

    `read`: the answer to a batch read that asked for its `item_key` (no request of its own).
    """
    if read is None:
        return _to_config(_item(team_id, name))
    item: ProviderItem | None = read.get(item_key(team_id, name))
    if item is None:
        raise NotFound("provider not found")  # as `_item` says it
    return _to_config(item)


def listing(team_id: str, params: PageParams) -> tuple[list[ProviderPublic], int, str | None]:
    """One page of the team's providers by name: (providers, total, next cursor)."""
    items, total, cursor = query_page(
        ProviderItem,
        team_partition(team_id),
        params,
        range_key_condition=ProviderItem.sk.startswith(provider_key()),
        newest_first=False,
    )
    return [_to_config(item).public() for item in items], total, cursor


def update(team_id: str, name: str, body: ProviderUpdate) -> ProviderPublic:
    """Change what `body` sends; `api_key` replaces the key, null removes it."""
    item = _item(team_id, name)
    changes = {
        field: "" if value is None else value
        for field, value in body.model_dump(exclude_unset=True, exclude={"api_key"}).items()
    }
    key = body.api_key if "api_key" in body.model_fields_set else KEEP
    return _apply(team_id, item, changes, key).public()


def delete(team_id: str, name: str, in_use: InUse | None = None) -> None:
    """Delete the provider and schedule its key's deletion (7 days to recover it).

    Conflict when `in_use(team_id, name)` says something still uses it (an agent, the
    team's default provider or fallback), or when it changed since it was read.
    """
    item = _item(team_id, name)
    if in_use is not None and in_use(team_id, name):
        raise Conflict(f"Provider '{name}' is in use; point its users at another provider first")
    with storage_errors(f"Provider '{name}'"):
        item.delete()  # on the version read
    # The secret goes even when the item said no key: it may be one a failed removal left.
    try:
        keys.remove_key(team_id, name)
    except DomainError:
        logger.warning(
            "provider key secret not deleted", extra={"team_id": team_id, "provider": name}
        )
    logger.info("provider deleted", extra={"team_id": team_id, "provider": name})


def _insert(team_id: str, name: str, body: ProviderUpsert) -> ProviderConfig:
    kind: ProviderKind = body.kind
    default_model = _checked(kind, body.base_url, body.api_key is not None, body.default_model)
    item = ProviderItem(
        team_partition(team_id),
        provider_key(name),
        team_id=team_id,
        name=name,
        kind=kind,
        base_url=_checked_url(body.base_url) or None,
        default_model=default_model,
        enabled=body.enabled,
        has_key=False,
    )
    version = _set_key_fields(item, body.api_key)
    insert(item, "provider", taken=f"A provider named '{name}' already exists")
    if body.api_key is not None and version is not None:
        _store_key_or_undo(team_id, name, body.api_key, version, undo=item.delete)
    logger.info("provider created", extra=_log_fields(item))
    return _to_config(item)


def _apply(
    team_id: str, item: ProviderItem, changes: dict[str, Any], key: KeyChange
) -> ProviderConfig:
    """Write `changes` and the key change to the provider read as `item`, if nobody else
    changed it since (else Conflict)."""
    kind = changes.get("kind", templates.canonical_kind(item.kind))
    base_url = changes.get("base_url", item.base_url or "")
    has_key = item.has_key if isinstance(key, _Keep) else key is not None
    try:
        default_model = _checked(
            kind, base_url, has_key, changes.get("default_model", item.default_model)
        )
    except Unprocessable as exc:
        # Checked on the provider as stored plus the change: what does not fit is the
        # stored state (a kind, a key, a model the body left as they were), a 409.
        raise Conflict(exc.detail) from exc
    if base_url != (item.base_url or ""):
        base_url = _checked_url(base_url)
    before = dict(item.attribute_values)
    had_key = item.has_key
    item.kind = kind
    item.base_url = base_url or None
    item.default_model = default_model
    item.enabled = changes.get("enabled", item.enabled)
    version = None if isinstance(key, _Keep) else _set_key_fields(item, key)
    item.updated_at = utcnow()
    with storage_errors("provider"):
        item.save()
    if isinstance(key, SecretStr) and version is not None:
        _store_key_or_undo(team_id, item.name, key, version, undo=lambda: _restore(item, before))
    elif key is None and had_key:
        try:
            keys.remove_key(team_id, item.name)
        except DomainError:
            # The item already says "no key", so nothing will use it; a later key or the
            # provider's deletion deals with the secret.
            logger.warning("provider key secret not deleted", extra=_log_fields(item))
    logger.info("provider updated", extra=_log_fields(item))
    return _to_config(item)


def _checked(kind: str, base_url: str, has_key: bool, default_model: str) -> str:
    """The default model the configuration runs with; Unprocessable when the fields do not
    go together."""
    if kind in _KEYLESS_KINDS:
        if base_url:
            raise Unprocessable(f"A provider of kind {kind} takes no base_url")
        if has_key:
            raise Unprocessable(
                f"A provider of kind {kind} takes no api_key"
                " (remove the stored one with api_key: null)"
            )
    if kind == templates.KIND:
        if default_model not in ("", templates.MODEL, *templates.MODEL_ALIASES):
            raise Unprocessable(f"The template generator's model is {templates.MODEL}")
        return templates.MODEL
    if not default_model:
        raise Unprocessable(f"A provider of kind {kind} needs a default_model")
    return default_model


def _checked_url(base_url: str) -> str:
    return check_base_url(base_url, strict=strict_urls()) if base_url else ""


def _set_key_fields(item: ProviderItem, key: SecretStr | None) -> str | None:
    """Describe `key` on the item (never the key itself); the secret version it goes to.
    The secret's name is derived from the team and provider (provider_keys.secret_name)."""
    if key is None:
        item.has_key = False
        item.key_hint = item.key_version = None
        return None
    item.has_key = True
    item.key_hint = keys.key_hint(key.get_secret_value())
    item.key_version = keys.new_key_version()
    return item.key_version


def _store_key_or_undo(
    team_id: str, name: str, key: SecretStr, version: str, *, undo: Callable[[], object]
) -> None:
    try:
        keys.store_key(team_id, name, key, version=version)
    except DomainError:
        try:
            undo()
        except (DomainError, PynamoDBException):
            # The item names a key version that never arrived: calls run with no key (or
            # the previous one) and fail visibly, and the next update or key fixes it.
            logger.warning(
                "provider not restored after a failed key write",
                extra={"team_id": team_id, "provider": name},
            )
        raise


def _restore(item: ProviderItem, before: dict[str, Any]) -> None:
    for field in _RESTORED:
        setattr(item, field, before.get(field))
    with storage_errors("provider"):
        item.save()


def _item(team_id: str, name: str) -> ProviderItem:
    with storage_errors("provider"):
        return ProviderItem.get(team_partition(team_id), provider_key(name))


def _to_config(item: ProviderItem) -> ProviderConfig:
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


def _log_fields(item: ProviderItem) -> dict[str, Any]:
    return {
        "team_id": item.team_id,
        "provider": item.name,
        "kind": item.kind,
        "has_key": item.has_key,
    }


def provider_models(team_id: str) -> list[tuple[str, bool, str]]:
    """(name, enabled, default model) of each of the team's providers: one Query, projected."""
    with storage_errors("provider"):
        items = ProviderItem.query(
            team_partition(team_id),
            ProviderItem.sk.startswith(provider_key()),
            attributes_to_get=["name", "enabled", "default_model"],
        )
        return [(item.name, bool(item.enabled), item.default_model) for item in items]


def count_providers(team_id: str) -> int:
    """How many providers the team has registered (one Query, Select=COUNT)."""
    with storage_errors("provider"):
        return ProviderItem.count(
            team_partition(team_id), ProviderItem.sk.startswith(provider_key())
        )

"""A team's providers: create, upsert, read, list, update, delete.

Writes are conditional: a create on a taken name, and an update or delete that lost a race
with another request, answer Conflict (409) and change nothing. The item is written first
and the key second, under the secret version the item already names; if the key cannot be
stored the item is put back as it was, so a failed request leaves no half-change behind.

The team's default provider is a team setting (`default_provider`, set by
`POST /providers/{name}/use`): the `in_use` a delete is handed refuses to delete it.

Every team also has the built-in template generator (shared.llm.registry.builtin): reads
and listings answer it under its names, and every write under them is Conflict.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Final

from pydantic import SecretStr

from shared.errors import Conflict, DomainError, Unprocessable
from shared.ids import utcnow
from shared.llm import provider_keys as keys
from shared.llm.providers import templates
from shared.llm.registry import builtin, store
from shared.llm.registry.domain import ProviderConfig
from shared.llm.registry.schemas import (
    NAME_PATTERN,
    ProviderCreate,
    ProviderKind,
    ProviderPublic,
    ProviderUpdate,
    ProviderUpsert,
)
from shared.observability import logger
from shared.pagination import PageParams
from shared.settings import get_settings
from shared.url_policy import check_url

# Says whether an agent (or anything else) still uses a provider: (team_id, name) -> bool.
InUse = Callable[[str, str], bool]


class _Keep:
    """The stored key stays as it is (the request did not mention `api_key`)."""


KEEP: Final = _Keep()
KeyChange = SecretStr | None | _Keep

# Kinds that sign with the function's IAM role (bedrock) or call nothing (templates).
_KEYLESS_KINDS = frozenset({"bedrock", templates.KIND})


def strict_urls() -> bool:
    """Deployed, a base_url must be https at a public address (shared.url_policy)."""
    return not get_settings().is_local


def create(team_id: str, body: ProviderCreate) -> ProviderPublic:
    """A new provider; Conflict when the team already has one of that name, or when it is
    a name of the built-in."""
    if builtin.is_builtin(body.name):
        builtin.refuse_write(body.name)
    return _insert(team_id, body.name, body).public()


def upsert(team_id: str, name: str, body: ProviderUpsert) -> tuple[ProviderPublic, bool]:
    """Create the provider, or replace its configuration: (provider, whether it is new).

    `api_key` left out of `body` keeps the stored key (null removes it).
    """
    if not re.fullmatch(NAME_PATTERN, name):
        raise Unprocessable("A provider name is 1-63 lower-case letters, digits and dashes")
    if builtin.is_builtin(name):
        builtin.refuse_write(name)
    existing = store.find(team_id, name)
    if existing is None:
        return _insert(team_id, name, body).public(), True
    changes = body.model_dump(exclude={"api_key"})
    key = body.api_key if "api_key" in body.model_fields_set else KEEP
    return _apply(team_id, existing, changes, key).public(), False


def get(team_id: str, name: str) -> ProviderPublic:
    return config(team_id, name).public()


def config(team_id: str, name: str, *, read: Mapping[Any, Any] | None = None) -> ProviderConfig:
    """The provider's configuration (NotFound when the team has none of that name): the
    built-in's under its names (no request), else the stored one.

    `read`: the answer to a batch read that asked for its `item_key` (no request of its own).
    """
    if builtin.is_builtin(name):
        return builtin.config(team_id)
    if read is None:
        return store.read(team_id, name)
    return store.from_read(read, team_id, name)


def listing(team_id: str, params: PageParams) -> tuple[list[ProviderPublic], int, str | None]:
    """One page of the team's providers: (providers, total, next cursor).

    The built-in comes first, then the team's own by name: it is the first item of the
    first page, where `limit` counts it, and `total` counts it. Offsets count it too; a
    cursor always points into the team's own (so a page after the first is theirs alone).
    """
    if params.cursor is not None or params.offset > 0:
        own = (
            params
            if params.cursor is not None
            else params.model_copy(update={"offset": params.offset - 1})
        )
        configs, total, cursor = store.page(team_id, own)
        return [config.public() for config in configs], total + 1, cursor
    first = builtin.config(team_id).public()
    if params.limit == 1:
        # No room for the team's own on this page: the next starts at the first of them.
        total = store.count(team_id)
        return [first], total + 1, store.start_cursor(team_id) if total else None
    configs, total, cursor = store.page(
        team_id, params.model_copy(update={"limit": params.limit - 1})
    )
    return [first, *(config.public() for config in configs)], total + 1, cursor


def update(team_id: str, name: str, body: ProviderUpdate) -> ProviderPublic:
    """Change what `body` sends; `api_key` replaces the key, null removes it. Conflict for
    the built-in."""
    if builtin.is_builtin(name):
        builtin.refuse_write(name)
    stored = store.read(team_id, name)
    changes = {
        field: "" if value is None else value
        for field, value in body.model_dump(exclude_unset=True, exclude={"api_key"}).items()
    }
    key = body.api_key if "api_key" in body.model_fields_set else KEEP
    return _apply(team_id, stored, changes, key).public()


def delete(team_id: str, name: str, in_use: InUse | None = None) -> None:
    """Delete the provider and schedule its key's deletion (7 days to recover it).

    Conflict when `in_use(team_id, name)` says something still uses it (an agent, the
    team's default provider or fallback), when it changed since it was read, or when it is
    the built-in.
    """
    if builtin.is_builtin(name):
        builtin.refuse_write(name)
    stored = store.read(team_id, name)
    if in_use is not None and in_use(team_id, name):
        raise Conflict(f"Provider '{name}' is in use; point its users at another provider first")
    store.delete(stored)  # on the version read
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
    now = utcnow()
    created = store.add(
        ProviderConfig(
            team_id=team_id,
            name=name,
            kind=kind,
            base_url=_checked_url(body.base_url),
            default_model=default_model,
            enabled=body.enabled,
            **_key_fields(body.api_key),
            version=0,
            created_at=now,
            updated_at=now,
        )
    )
    if body.api_key is not None and created.key_version is not None:
        _store_key_or_undo(
            team_id, name, body.api_key, created.key_version, undo=lambda: store.delete(created)
        )
    logger.info("provider created", extra=_log_fields(created))
    return created


def _apply(
    team_id: str, stored: ProviderConfig, changes: dict[str, Any], key: KeyChange
) -> ProviderConfig:
    """Write `changes` and the key change to the provider read as `stored`, if nobody else
    changed it since (else Conflict)."""
    kind = changes.get("kind", stored.kind)
    base_url = changes.get("base_url", stored.base_url)
    has_key = stored.has_key if isinstance(key, _Keep) else key is not None
    try:
        default_model = _checked(
            kind, base_url, has_key, changes.get("default_model", stored.default_model)
        )
    except Unprocessable as exc:
        # Checked on the provider as stored plus the change: what does not fit is the
        # stored state (a kind, a key, a model the body left as they were), a 409.
        raise Conflict(exc.detail) from exc
    if base_url != stored.base_url:
        base_url = _checked_url(base_url)
    saved = store.save(
        replace(
            stored,
            kind=kind,
            base_url=base_url,
            default_model=default_model,
            enabled=changes.get("enabled", stored.enabled),
            **({} if isinstance(key, _Keep) else _key_fields(key)),
            updated_at=utcnow(),
        )
    )
    if isinstance(key, SecretStr) and saved.key_version is not None:
        # Undone by putting back what was stored, over the version just written.
        restore = replace(stored, version=saved.version)
        _store_key_or_undo(
            team_id, saved.name, key, saved.key_version, undo=lambda: store.save(restore)
        )
    elif key is None and stored.has_key:
        try:
            keys.remove_key(team_id, saved.name)
        except DomainError:
            # The item already says "no key", so nothing will use it; a later key or the
            # provider's deletion deals with the secret.
            logger.warning("provider key secret not deleted", extra=_log_fields(saved))
    logger.info("provider updated", extra=_log_fields(saved))
    return saved


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
    if not base_url:
        return ""
    return check_url(base_url, strict=strict_urls(), field="base_url").rstrip("/")


def _key_fields(key: SecretStr | None) -> dict[str, Any]:
    """What the configuration says of `key` (never the key itself): whether there is one,
    its hint, the secret version it goes to. The secret's name is derived from the team and
    provider (provider_keys.secret_name)."""
    if key is None:
        return {"has_key": False, "key_hint": None, "key_version": None}
    return {
        "has_key": True,
        "key_hint": keys.key_hint(key.get_secret_value()),
        "key_version": keys.new_key_version(),
    }


def _store_key_or_undo(
    team_id: str, name: str, key: SecretStr, version: str, *, undo: Callable[[], object]
) -> None:
    try:
        keys.store_key(team_id, name, key, version=version)
    except DomainError:
        try:
            undo()
        except DomainError:
            # The item names a key version that never arrived: calls run with no key (or
            # the previous one) and fail visibly, and the next update or key fixes it.
            logger.warning(
                "provider not restored after a failed key write",
                extra={"team_id": team_id, "provider": name},
            )
        raise


def _log_fields(config: ProviderConfig) -> dict[str, Any]:
    return {
        "team_id": config.team_id,
        "provider": config.name,
        "kind": config.kind,
        "has_key": config.has_key,
    }


def provider_models(team_id: str) -> list[tuple[str, bool, str]]:
    """(name, enabled, default model) of each provider the team registered (the built-in
    left out): one Query, projected."""
    return store.models(team_id)


def count_providers(team_id: str) -> int:
    """How many providers the team has registered, the built-in left out (one Query,
    Select=COUNT)."""
    return store.count(team_id)

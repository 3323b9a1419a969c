"""Ready clients for a team's providers, built once per configuration per container.

`client_for` reads the provider's item (one GetItem, or none when the caller read it in a
batch) and hands back the client built for that item's version: a change anywhere
(another container included) bumps the version and the next call builds afresh; an
unchanged provider reuses its client, its connection pool and its key. The key comes from
shared.llm.provider_keys' cache, so building a client reads Secrets Manager at most once
per key version, and an LLM call never does.
`test` builds a short-lived client of its own, with a read timeout fit for a request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from shared.errors import NotFound, Unprocessable
from shared.llm import provider_keys as keys
from shared.llm.providers import DEFAULT_READ_TIMEOUT, ProviderClient, build_provider
from shared.llm.providers.templates import TemplateProvider
from shared.llm.registry import service
from shared.llm.registry.domain import ProviderConfig
from shared.llm.registry.schemas import ProviderCheck
from shared.llm.types import ProviderError
from shared.observability import logger
from shared.url_policy import check_url

# Clients kept per container (each holds a connection pool): the least recently used go.
MAX_CLIENTS = 32
# Seconds `test` waits for the model list: well inside API Gateway's 30 s.
TEST_READ_TIMEOUT = 15.0

_clients: OrderedDict[tuple[str, str], tuple[int, ProviderClient]] = OrderedDict()
_lock = threading.Lock()


def client_for(team_id: str, name: str, read: Mapping[Any, Any] | None = None) -> ProviderClient:
    """The team's provider `name`, ready to call.

    `read`: a batch read that asked for the provider's `item_key` (the router's), so the
    configuration costs no request of its own; without it, one GetItem.
    NotFound when the team has no such provider; ServiceUnavailable when its item or key
    cannot be read. A provider that cannot take calls raises ProviderError of kind
    `bad_request` (the configuration's fault, not the provider's: no breaker counts it, a
    router falls back): a disabled one, or one whose stored
    configuration no longer builds (its base_url fails the URL policy now, say).
    A name of the built-in gives the template generator under that name, with no renderer
    (shared.llm.team_router hands it the pipeline's).
    """
    try:
        config = service.config(team_id, name, read=read)
    except NotFound:
        _discard(team_id, name)
        raise
    if config.builtin:
        return TemplateProvider(name)  # holds nothing worth caching
    if not config.enabled:
        raise ProviderError(f"{name}: the provider is disabled", kind="bad_request", provider=name)
    try:
        return _client(config)
    except Unprocessable as exc:
        raise ProviderError(f"{name}: {exc.detail}", kind="bad_request", provider=name) from exc


def test(team_id: str, name: str) -> ProviderCheck:
    """Ask the provider for its models: `ok` with their count, or `error` saying why.

    The detail is the provider error's message, which the client has already cleared of
    the key (however a server quoted it).
    """
    config = service.config(team_id, name)
    try:
        # A client of its own, with a read timeout an HTTP request can wait for; the key
        # still comes from the cache.
        checked = _build(config, read_timeout=TEST_READ_TIMEOUT)
    except Unprocessable as exc:
        return ProviderCheck(provider=name, status="error", detail=exc.detail)
    try:
        models_count = checked.check()
    except ProviderError as exc:
        return ProviderCheck(provider=name, status="error", detail=str(exc))
    finally:
        checked.close()
    return ProviderCheck(provider=name, status="ok", models_count=models_count)


# A function named test* in a test module's namespace would be collected by pytest.
test.__test__ = False  # type: ignore[attr-defined]


def forget_clients() -> None:
    """Close and drop every cached client (tests; a container never needs to)."""
    with _lock:
        dropped = [entry[1] for entry in _clients.values()]
        _clients.clear()
    for client in dropped:
        client.close()


def _client(config: ProviderConfig) -> ProviderClient:
    cache_key = (config.team_id, config.name)
    with _lock:
        cached = _clients.get(cache_key)
        if cached is not None and cached[0] == config.version:
            _clients.move_to_end(cache_key)
            return cached[1]
    built = _build(config)
    with _lock:
        replaced = _clients.pop(cache_key, None)
        _clients[cache_key] = (config.version, built)
        evicted = [_clients.popitem(last=False)[1] for _ in range(len(_clients) - MAX_CLIENTS)]
    for old in ([replaced[1]] if replaced else []) + [entry[1] for entry in evicted]:
        old.close()
    return built


def _build(config: ProviderConfig, *, read_timeout: float = DEFAULT_READ_TIMEOUT) -> ProviderClient:
    key = _key(config)
    base_url = config.base_url
    if base_url:
        # Checked again (names resolved again) when a client is built, not only when it
        # was saved: what a name points at can change.
        base_url = check_url(base_url, strict=service.strict_urls(), field="base_url").rstrip("/")
    try:
        return build_provider(
            config.kind,
            config.name,
            base_url,
            key.get_secret_value() if key is not None else "",
            config.default_model,
            read_timeout=read_timeout,
        )
    except ValueError as exc:
        raise Unprocessable(
            f"Provider '{config.name}' cannot be used as configured; check its kind, "
            "base_url and default_model"
        ) from exc


def _key(config: ProviderConfig) -> SecretStr | None:
    if not config.has_key:
        return None
    key = keys.api_key_for(config.team_id, config.name, version=config.key_version)
    if key is None:
        # Calls go out without a key and the provider refuses them: visible, not silent.
        logger.warning(
            "provider key secret missing",
            extra={"team_id": config.team_id, "provider": config.name},
        )
    return key


def _discard(team_id: str, name: str) -> None:
    with _lock:
        dropped = _clients.pop((team_id, name), None)
    if dropped is not None:
        dropped[1].close()

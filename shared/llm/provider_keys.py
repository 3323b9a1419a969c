"""Providers' API keys: one Secrets Manager secret per team provider, cached per container.

    <resource_prefix>/teams/<team>/providers/<name>   SecretString = the key itself
    tags: team_id, provider

The provider item names the secret version that holds its key (`key_version`): the
store writes the item first and then the secret under that version id (a
`ClientRequestToken` we choose), so any container can tell whether the key it cached is
the one the item describes. A read is cached for `KEY_CACHE_SECONDS`; a version the item
names that this container has not seen is looked up again at once, and a write in this
container replaces the cached key as it happens. An LLM call never reads Secrets Manager:
the provider's client, built once per configuration, holds the key.

A key is `SecretStr` wherever it is passed. Errors name neither the key nor the AWS
error's text (a parameter error would quote the value it refused): their cause is
dropped, and the log gets the error code alone.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from shared.aws import client
from shared.errors import ServiceUnavailable
from shared.observability import logger
from shared.settings import get_settings

KEY_CACHE_SECONDS = 300.0
# The item names a version this container fetched a moment ago and did not get (another
# container's write still in flight, or one that failed): asked again at most this often,
# so a stuck write cannot turn into a Secrets Manager call per LLM call.
VERSION_RECHECK_SECONDS = 10.0
# A deleted key stays recoverable this long (7 is Secrets Manager's shortest window).
RECOVERY_WINDOW_DAYS = 7

# Vendors' fixed key prefixes: they say whose key it is, not what it is.
_PUBLIC_PREFIXES = ("sk-ant-api03-", "sk-ant-", "sk-proj-", "sk-or-v1-", "sk-")
_HINT_CHARS = 4
# Below this many characters (past the prefix) even 4 of them say too much: no hint.
_HINT_MIN_CHARS = 12


@dataclass(frozen=True, slots=True)
class _Cached:
    key: SecretStr | None
    version: str | None
    fetched_at: float


_cache: dict[tuple[str, str], _Cached] = {}


def secret_name(team_id: str, provider: str) -> str:
    return f"{get_settings().resource_prefix}/teams/{team_id}/providers/{provider}"


def new_key_version() -> str:
    """A version id for the next key: chosen before the write, so the item can name it."""
    return str(uuid.uuid4())


def key_hint(key: str) -> str:
    """The key masked for display: a vendor prefix and the last 4 characters at most."""
    prefix = next((known for known in _PUBLIC_PREFIXES if key.startswith(known)), "")
    rest = key[len(prefix) :]
    if len(rest) < _HINT_MIN_CHARS:
        return f"{prefix}…"
    return f"{prefix}…{rest[-_HINT_CHARS:]}"


def api_key_for(
    team_id: str, provider: str, *, version: str | None = None, now: float | None = None
) -> SecretStr | None:
    """The provider's key, or None when it has none; from this container's cache when fresh.

    `version` is the secret version the provider's item names: a cached key of another
    version is replaced by a read (at most every VERSION_RECHECK_SECONDS).
    """
    moment = time.monotonic() if now is None else now
    cached = _cache.get((team_id, provider))
    if cached is not None and _fresh(cached, version, moment):
        return cached.key
    read = _read(team_id, provider, moment)
    _cache[(team_id, provider)] = read
    return read.key


def _fresh(cached: _Cached, version: str | None, moment: float) -> bool:
    age = moment - cached.fetched_at
    if age > KEY_CACHE_SECONDS:
        return False
    return version is None or cached.version == version or age < VERSION_RECHECK_SECONDS


def _read(team_id: str, provider: str, moment: float) -> _Cached:
    secrets = client("secretsmanager")
    try:
        found = secrets.get_secret_value(SecretId=secret_name(team_id, provider))
    except (
        secrets.exceptions.ResourceNotFoundException,
        secrets.exceptions.InvalidRequestException,
    ):
        # No secret, or one scheduled for deletion: the provider has no key.
        return _Cached(None, None, moment)
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable("read", exc) from None
    return _Cached(SecretStr(str(found["SecretString"])), str(found["VersionId"]), moment)


def store_key(team_id: str, provider: str, key: SecretStr, *, version: str) -> None:
    """Make `key` the provider's key, as secret version `version` (from `new_key_version`).

    Creates the secret on the first key, restores it when a removed key's secret is still
    in its recovery window, and otherwise adds a version. Safe to repeat with the same
    version and key.
    """
    name = secret_name(team_id, provider)
    secrets = client("secretsmanager")
    try:
        try:
            described: dict[str, Any] | None = secrets.describe_secret(SecretId=name)
        except secrets.exceptions.ResourceNotFoundException:
            described = None
        if described is None:
            try:
                secrets.create_secret(
                    Name=name,
                    SecretString=key.get_secret_value(),
                    ClientRequestToken=version,
                    Description=f"API key of the LLM provider {provider} of team {team_id}",
                    Tags=[
                        {"Key": "team_id", "Value": team_id},
                        {"Key": "provider", "Value": provider},
                    ],
                )
                _remember(team_id, provider, key, version)
                return
            except secrets.exceptions.ResourceExistsException:
                pass  # another request created it meanwhile: add our version below
        elif described.get("DeletedDate"):
            secrets.restore_secret(SecretId=name)
        secrets.put_secret_value(
            SecretId=name, SecretString=key.get_secret_value(), ClientRequestToken=version
        )
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable("write", exc) from None
    _remember(team_id, provider, key, version)


def remove_key(team_id: str, provider: str) -> None:
    """Schedule the provider's secret for deletion (recoverable for RECOVERY_WINDOW_DAYS)."""
    secrets = client("secretsmanager")
    try:
        secrets.delete_secret(
            SecretId=secret_name(team_id, provider), RecoveryWindowInDays=RECOVERY_WINDOW_DAYS
        )
    except secrets.exceptions.ResourceNotFoundException:
        pass  # there never was a key
    except secrets.exceptions.InvalidRequestException:
        pass  # already scheduled for deletion
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable("delete", exc) from None
    finally:
        # Whatever happened, this container stops using the key now.
        _remember(team_id, provider, None, None)


def forget_keys() -> None:
    """Empty this container's key cache (tests; nothing else needs to)."""
    _cache.clear()


def _remember(team_id: str, provider: str, key: SecretStr | None, version: str | None) -> None:
    _cache[(team_id, provider)] = _Cached(key, version, time.monotonic())


def _unavailable(action: str, exc: ClientError | BotoCoreError) -> ServiceUnavailable:
    code = (
        exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
    ) or type(exc).__name__
    logger.warning("provider key secret unavailable", extra={"action": action, "error": code})
    return ServiceUnavailable("The provider's API key store is unavailable; try again shortly")

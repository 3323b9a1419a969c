"""Channels' secrets: one Secrets Manager secret per channel that has any.

    <resource_prefix>/channels/<team>/<channel>   SecretString = {"<field>": "<value>", ...}
    tags: team_id, channel_id

Kept by version as shared/versioned_secrets.py describes; the registry grants this path
alone (`channel_secrets`), never the providers'. Here: the channel's fields, and how a
secret is masked for display.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import SecretStr

from shared.notifications.channel_domain import ChannelSecrets
from shared.versioned_secrets import VersionedSecrets, new_version

__all__ = ["new_version", "read", "remove", "secret_name", "store", "token_hint", "url_hint"]

_HINT_CHARS = 4
# Below this many characters even the last 4 say too much: no hint.
_HINT_MIN_CHARS = 12

CHANNEL_SECRETS = VersionedSecrets(
    kind="channels",
    label="notification channel",
    tag="channel_id",
    store_name="The channel's secret store",
)
secret_name = CHANNEL_SECRETS.secret_name
remove = CHANNEL_SECRETS.remove


def token_hint(value: str) -> str:
    """A token masked for display: its last 4 characters at most."""
    return f"…{value[-_HINT_CHARS:]}" if len(value) >= _HINT_MIN_CHARS else "…"


def url_hint(url: str) -> str:
    """A URL masked for display: scheme and host (which say where it goes), then the last
    4 characters of the rest, where tokens live (a Slack webhook's path)."""
    parts = urlsplit(url)
    rest = url[len(f"{parts.scheme}://{parts.netloc}") :]
    return f"{parts.scheme}://{parts.netloc}/{token_hint(rest)}"


def store(team_id: str, channel_id: str, secrets: ChannelSecrets, *, version: str) -> None:
    """Make `secrets` the channel's, as secret version `version` (from `new_version`).
    A channel turned into a type without secrets had its secret scheduled for deletion:
    a change back within the recovery window brings it back first. Safe to repeat."""
    values = {field: secrets.get(field) for field in secrets.values}
    CHANNEL_SECRETS.store(team_id, channel_id, values, version=version)


def read(team_id: str, channel_id: str, version: str) -> ChannelSecrets:
    """The channel's secrets as of `version` (the one its item names)."""
    values = CHANNEL_SECRETS.read(team_id, channel_id, version)
    return ChannelSecrets(values={field: SecretStr(value) for field, value in values.items()})

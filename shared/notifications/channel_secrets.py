"""Channels' secrets: one Secrets Manager secret per channel that has any.

    <resource_prefix>/channels/<team>/<channel>   SecretString = {"<field>": "<value>", ...}
    tags: team_id, channel_id

The channel's item names the secret version holding its secrets (`secret_version`): a new
version is written first, under a version id we choose (`ClientRequestToken`), then the
item naming it, so a reader always asks for exactly the version its item names. A version
never changes once written, so a read is cached for the container's life by (name,
version). The registry grants this path alone (`channel_secrets`), never the providers'.

Errors name neither a value nor the AWS error's text (a parameter error may quote what it
refused): their cause is dropped, and the log gets the error code alone.
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

from shared.aws import client
from shared.errors import ServiceUnavailable
from shared.notifications.channel_domain import ChannelSecrets
from shared.observability import logger
from shared.settings import get_settings

# A deleted channel's secret stays recoverable this long (Secrets Manager's shortest).
RECOVERY_WINDOW_DAYS = 7
_HINT_CHARS = 4
# Below this many characters even the last 4 say too much: no hint.
_HINT_MIN_CHARS = 12

_cache: dict[tuple[str, str], ChannelSecrets] = {}


def secret_name(team_id: str, channel_id: str) -> str:
    return f"{get_settings().resource_prefix}/channels/{team_id}/{channel_id}"


def new_version() -> str:
    """A version id for the next secrets: chosen before the write, so the item can name it."""
    return str(uuid.uuid4())


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
    """Make `secrets` the channel's, as secret version `version` (from `new_version`):
    creates the secret on the first write, else adds a version. Safe to repeat."""
    name = secret_name(team_id, channel_id)
    text = json.dumps({field: secrets.get(field) for field in secrets.values})
    manager = client("secretsmanager")
    try:
        try:
            manager.create_secret(
                Name=name,
                SecretString=text,
                ClientRequestToken=version,
                Description=f"Secrets of notification channel {channel_id} of team {team_id}",
                Tags=[
                    {"Key": "team_id", "Value": team_id},
                    {"Key": "channel_id", "Value": channel_id},
                ],
            )
        except (
            manager.exceptions.ResourceExistsException,
            # Secrets Manager's answer for a name scheduled for deletion
            manager.exceptions.InvalidRequestException,
        ):
            # A channel turned into a type without secrets had its secret scheduled for
            # deletion: a change back within the recovery window brings it back first
            # (no version can be added to a deleted secret, nor read from one).
            if manager.describe_secret(SecretId=name).get("DeletedDate") is not None:
                manager.restore_secret(SecretId=name)
            manager.put_secret_value(SecretId=name, SecretString=text, ClientRequestToken=version)
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable("write", exc) from None
    _cache[(name, version)] = secrets


def read(team_id: str, channel_id: str, version: str) -> ChannelSecrets:
    """The channel's secrets as of `version` (the one its item names)."""
    name = secret_name(team_id, channel_id)
    cached = _cache.get((name, version))
    if cached is not None:
        return cached
    try:
        found = client("secretsmanager").get_secret_value(SecretId=name, VersionId=version)
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable("read", exc) from None
    values = json.loads(str(found["SecretString"]))
    secrets = ChannelSecrets(values={field: SecretStr(str(v)) for field, v in values.items()})
    _cache[(name, version)] = secrets
    return secrets


def remove(team_id: str, channel_id: str) -> None:
    """Schedule the channel's secret for deletion (recoverable for RECOVERY_WINDOW_DAYS)."""
    name = secret_name(team_id, channel_id)
    manager = client("secretsmanager")
    try:
        manager.delete_secret(SecretId=name, RecoveryWindowInDays=RECOVERY_WINDOW_DAYS)
    except manager.exceptions.ResourceNotFoundException:
        pass  # it never had one
    except manager.exceptions.InvalidRequestException:
        pass  # already scheduled for deletion
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable("delete", exc) from None
    finally:
        for key in [key for key in _cache if key[0] == name]:
            del _cache[key]


def _unavailable(action: str, exc: ClientError | BotoCoreError) -> ServiceUnavailable:
    code = (
        exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
    ) or type(exc).__name__
    logger.warning("channel secret unavailable", extra={"action": action, "error": code})
    return ServiceUnavailable("The channel's secret store is unavailable; try again shortly")

"""SSH connections' credentials: one Secrets Manager secret per connection.

    <resource_prefix>/ssh/<team>/<connection>   SecretString = {"password": ...} or
                                                {"private_key": ..., "passphrase"?: ...}
    tags: team_id, connection_id

As notification channels keep theirs (shared/notifications/channel_secrets.py): the
connection's item names the version holding its credential (`secret_version`), written
first under a version id we choose, so the runner asks for exactly the version the item it
was handed names; a version never changes, so a read is cached by (name, version). The
registry grants this path alone (`ssh_secrets`): the group manages it, the runner reads it.

Errors name neither a value nor the AWS error's text: their cause is dropped, and the log
gets the error code alone.
"""

from __future__ import annotations

import json
import uuid

from botocore.exceptions import BotoCoreError, ClientError

from shared.aws import client
from shared.errors import ServiceUnavailable
from shared.observability import logger
from shared.settings import get_settings
from shared.ssh.domain import Credential

# A deleted connection's secret stays recoverable this long (Secrets Manager's shortest).
RECOVERY_WINDOW_DAYS = 7

_cache: dict[tuple[str, str], Credential] = {}


def secret_name(team_id: str, connection_id: str) -> str:
    return f"{get_settings().resource_prefix}/ssh/{team_id}/{connection_id}"


def new_version() -> str:
    """A version id for the next credential: chosen before the write, so the item can name it."""
    return str(uuid.uuid4())


def store(team_id: str, connection_id: str, credential: Credential, *, version: str) -> None:
    """Make `credential` the connection's, as secret version `version`: creates the secret
    on the first write, else adds a version. Safe to repeat."""
    name = secret_name(team_id, connection_id)
    text = json.dumps(credential.as_dict())
    manager = client("secretsmanager")
    try:
        try:
            manager.create_secret(
                Name=name,
                SecretString=text,
                ClientRequestToken=version,
                Description=f"Credential of SSH connection {connection_id} of team {team_id}",
                Tags=[
                    {"Key": "team_id", "Value": team_id},
                    {"Key": "connection_id", "Value": connection_id},
                ],
            )
        except manager.exceptions.ResourceExistsException:
            manager.put_secret_value(SecretId=name, SecretString=text, ClientRequestToken=version)
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable("write", exc) from None
    _cache[(name, version)] = credential


def read(team_id: str, connection_id: str, version: str) -> Credential:
    """The connection's credential as of `version` (the one its item names)."""
    name = secret_name(team_id, connection_id)
    cached = _cache.get((name, version))
    if cached is not None:
        return cached
    try:
        found = client("secretsmanager").get_secret_value(SecretId=name, VersionId=version)
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable("read", exc) from None
    values = json.loads(str(found["SecretString"]))
    credential = Credential(
        password=values.get("password"),
        private_key=values.get("private_key"),
        passphrase=values.get("passphrase"),
    )
    _cache[(name, version)] = credential
    return credential


def remove(team_id: str, connection_id: str) -> None:
    """Schedule the connection's secret for deletion (recoverable for RECOVERY_WINDOW_DAYS)."""
    name = secret_name(team_id, connection_id)
    manager = client("secretsmanager")
    try:
        manager.delete_secret(SecretId=name, RecoveryWindowInDays=RECOVERY_WINDOW_DAYS)
    except manager.exceptions.ResourceNotFoundException:
        pass  # never written (its create failed)
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
    logger.warning("ssh secret unavailable", extra={"action": action, "error": code})
    return ServiceUnavailable("The SSH credential store is unavailable; try again shortly")

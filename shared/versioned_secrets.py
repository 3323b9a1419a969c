"""Secrets a team's object keeps in Secrets Manager, one secret per object, by version.

    <resource_prefix>/<kind>/<team>/<object>   SecretString = {"<field>": "<value>", ...}
    tags: team_id, <object>_id

The object's item names the version holding its values (`secret_version`): a new version is
written first, under a version id we choose (`ClientRequestToken`), then the item naming
it, so a reader always asks for exactly the version its item names. A version never changes
once written, so a read is cached for the container's life by (name, version). Each kind
has its own path, which the registry grants alone (notification channels, SSH connections).

Errors name neither a value nor the AWS error's text (a parameter error may quote what it
refused): their cause is dropped, and the log gets the error code alone.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from shared.aws import client
from shared.errors import ServiceUnavailable
from shared.observability import logger
from shared.settings import get_settings

# A deleted object's secret stays recoverable this long (Secrets Manager's shortest).
RECOVERY_WINDOW_DAYS = 7


def new_version() -> str:
    """A version id for the next values: chosen before the write, so the item can name it."""
    return str(uuid.uuid4())


@dataclass(eq=False)
class VersionedSecrets:
    """The secrets of one kind of object: `kind` is the path segment (`channels`), `label`
    names an object in descriptions and logs (`notification channel`), `tag` is the tag
    holding its id (`channel_id`), `store_name` what an error calls the store."""

    kind: str
    label: str
    tag: str
    store_name: str
    _cache: dict[tuple[str, str], dict[str, str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def secret_name(self, team_id: str, object_id: str) -> str:
        return f"{get_settings().resource_prefix}/{self.kind}/{team_id}/{object_id}"

    def store(self, team_id: str, object_id: str, values: dict[str, str], *, version: str) -> None:
        """Make `values` the object's, as secret version `version` (from `new_version`):
        creates the secret on the first write, else adds a version (restoring a secret
        scheduled for deletion first: no version can be added to it). Safe to repeat."""
        name = self.secret_name(team_id, object_id)
        text = json.dumps(values)
        manager = client("secretsmanager")
        try:
            try:
                manager.create_secret(
                    Name=name,
                    SecretString=text,
                    ClientRequestToken=version,
                    Description=f"Secrets of {self.label} {object_id} of team {team_id}",
                    Tags=[
                        {"Key": "team_id", "Value": team_id},
                        {"Key": self.tag, "Value": object_id},
                    ],
                )
            except (
                manager.exceptions.ResourceExistsException,
                # Secrets Manager's answer for a name scheduled for deletion
                manager.exceptions.InvalidRequestException,
            ):
                if manager.describe_secret(SecretId=name).get("DeletedDate") is not None:
                    manager.restore_secret(SecretId=name)
                manager.put_secret_value(
                    SecretId=name, SecretString=text, ClientRequestToken=version
                )
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable("write", exc) from None
        self._cache[(name, version)] = dict(values)

    def read(self, team_id: str, object_id: str, version: str) -> dict[str, str]:
        """The object's values as of `version` (the one its item names)."""
        name = self.secret_name(team_id, object_id)
        cached = self._cache.get((name, version))
        if cached is not None:
            return dict(cached)
        try:
            found = client("secretsmanager").get_secret_value(SecretId=name, VersionId=version)
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable("read", exc) from None
        values = {key: str(value) for key, value in json.loads(str(found["SecretString"])).items()}
        self._cache[(name, version)] = values
        return dict(values)

    def remove(self, team_id: str, object_id: str) -> None:
        """Schedule the object's secret for deletion (recoverable for RECOVERY_WINDOW_DAYS)."""
        name = self.secret_name(team_id, object_id)
        manager = client("secretsmanager")
        try:
            manager.delete_secret(SecretId=name, RecoveryWindowInDays=RECOVERY_WINDOW_DAYS)
        except manager.exceptions.ResourceNotFoundException:
            pass  # it never had one (or its first write failed)
        except manager.exceptions.InvalidRequestException:
            pass  # already scheduled for deletion
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable("delete", exc) from None
        finally:
            for key in [key for key in self._cache if key[0] == name]:
                del self._cache[key]

    def _unavailable(self, action: str, exc: ClientError | BotoCoreError) -> ServiceUnavailable:
        code = (
            exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
        ) or type(exc).__name__
        logger.warning(f"{self.label} secret unavailable", extra={"action": action, "error": code})
        return ServiceUnavailable(f"{self.store_name} is unavailable; try again shortly")

"""SSH connections' credentials: one Secrets Manager secret per connection.

    <resource_prefix>/ssh/<team>/<connection>   SecretString = {"password": ...} or
                                                {"private_key": ..., "passphrase"?: ...}
    tags: team_id, connection_id

Kept by version as shared/versioned_secrets.py describes (the connection's item names the
version holding its credential, so the runner asks for exactly the version it is handed).
The registry grants this path alone (`ssh_secrets`): the group manages it, the runner reads.
"""

from __future__ import annotations

from shared.ssh.domain import Credential
from shared.versioned_secrets import VersionedSecrets, new_version

__all__ = ["new_version", "read", "remove", "secret_name", "store"]

SSH_SECRETS = VersionedSecrets(
    kind="ssh",
    label="SSH connection",
    tag="connection_id",
    store_name="The SSH credential store",
)
secret_name = SSH_SECRETS.secret_name
remove = SSH_SECRETS.remove


def store(team_id: str, connection_id: str, credential: Credential, *, version: str) -> None:
    """Make `credential` the connection's, as secret version `version`. Safe to repeat."""
    SSH_SECRETS.store(team_id, connection_id, credential.as_dict(), version=version)


def read(team_id: str, connection_id: str, version: str) -> Credential:
    """The connection's credential as of `version` (the one its item names)."""
    values = SSH_SECRETS.read(team_id, connection_id, version)
    return Credential(
        password=values.get("password"),
        private_key=values.get("private_key"),
        passphrase=values.get("passphrase"),
    )

"""Vault secrets' values: one Secrets Manager secret per vault secret.

    <resource_prefix>/vault/<team>/<secret>   SecretString = {"value": ...}
    tags: team_id, secret_id

Kept by version as shared/versioned_secrets.py describes (the metadata item names the
version holding the current value, so a reader asks for exactly the version it was handed;
a rotation adds a version). The registry grants this path alone (`vault_secrets`): the
secrets group manages it; the functions that use secrets by name read it.
"""

from __future__ import annotations

from shared.versioned_secrets import VersionedSecrets, new_version

__all__ = ["new_version", "read", "remove", "secret_name", "store"]

VAULT_SECRETS = VersionedSecrets(
    kind="vault",
    label="vault secret",
    tag="secret_id",
    store_name="The secrets vault",
)
secret_name = VAULT_SECRETS.secret_name
remove = VAULT_SECRETS.remove


def store(team_id: str, secret_id: str, value: str, *, version: str) -> None:
    """Make `value` the secret's, as secret version `version`. Safe to repeat."""
    VAULT_SECRETS.store(team_id, secret_id, {"value": value}, version=version)


def read(team_id: str, secret_id: str, version: str) -> str:
    """The secret's value as of `version` (the one its item names)."""
    return VAULT_SECRETS.read(team_id, secret_id, version)["value"]

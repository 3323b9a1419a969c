"""How the vault's metadata is stored, in the data table (every key under the team):

    pk = TEAM#<team>  sk = VAULT#<id>          a secret: name, category, description,
                                               expiry, the Secrets Manager version holding
                                               its value, rotation and reveal marks
        gsi1pk = VAULTEXP#<team>  gsi1sk = <expires_at>#<id>   only with an expiry (sparse):
                                               "expiring within N days" is one Query
    pk = TEAM#<team>  sk = VAULTNAME#<name>    the name's claim (unique per team), naming
                                               the secret: `{{secrets.NAME}}` is one GetItem
    pk = TEAM#<team>  sk = COUNT#VAULT         how many secrets the team has (ADD only)

Ids are ULIDs, so the prefix read backwards lists newest first. The value is never here
(shared.vault.values).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shared.db.base import Gsi1Index, TeamItem, table_meta

VAULT_PREFIX = "VAULT#"
NAME_PREFIX = "VAULTNAME#"
COUNT_KEY = "COUNT#VAULT"


def secret_key(secret_id: str = "") -> str:
    return f"{VAULT_PREFIX}{secret_id}"


def name_key(name: str) -> str:
    return f"{NAME_PREFIX}{name}"


def expiry_partition(team_id: str) -> str:
    return f"VAULTEXP#{team_id}"


class VaultSecretItem(TeamItem):
    Meta = table_meta("data")

    secret_id = UnicodeAttribute()
    name = UnicodeAttribute()
    category = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    # Named `valid_until`, not `expires_at`: the table's TTL attribute would delete the item.
    valid_until = UTCDateTimeAttribute(null=True)
    value_version = NumberAttribute()
    secret_version = UnicodeAttribute()
    rotated_at = UTCDateTimeAttribute(null=True)
    created_by = UnicodeAttribute()
    last_revealed_at = UTCDateTimeAttribute(null=True)
    last_revealed_by = UnicodeAttribute(null=True)

    expiring: Gsi1Index[VaultSecretItem] = Gsi1Index()


class VaultNameItem(TeamItem):
    """A name's claim: which secret holds it."""

    Meta = table_meta("data")

    secret_id = UnicodeAttribute()


class VaultCountItem(TeamItem):
    """How many secrets the team has (only ever ADDed: its version stays unset)."""

    Meta = table_meta("data")

    total = NumberAttribute(default=0)

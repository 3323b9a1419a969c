"""How a team's providers are stored: items in the providers table, under the team.

    pk = TEAM#<team>   sk = PROVIDER#<name>      one provider's configuration

No key material is stored here: `key_hint` is the masked form, `key_version` the Secrets
Manager version id holding the key (shared.llm.provider_keys). An empty `base_url` is
stored as absent and means the vendor's own API.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute

from shared.db.base import TeamItem, table_meta, team_partition


def provider_key(name: str = "") -> str:
    return f"PROVIDER#{name}"


def item_key(team_id: str, name: str) -> tuple[type[ProviderItem], str, str]:
    """The provider's key, for a caller that reads it in a batch with other items (the
    router reads it with the budget and the breakers)."""
    return ProviderItem, team_partition(team_id), provider_key(name)


class ProviderItem(TeamItem):
    Meta = table_meta("providers")

    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    base_url = UnicodeAttribute(null=True)
    default_model = UnicodeAttribute()
    enabled = BooleanAttribute(default=True)
    has_key = BooleanAttribute(default=False)
    key_hint = UnicodeAttribute(null=True)
    key_version = UnicodeAttribute(null=True)

"""How the AI Market's channels are stored, in the storefront table (a channel belongs to
the machine that opened it, no team; its seller is the item's team_id):

pk = CHANNEL#<channel>   sk = CHANNEL          the channel: seller, status, balance, spent,
                                               the token's digest, its funding order
pk = CHANNEL#<channel>   sk = INVOKE#<key>     one paid call (the caller's Idempotency-Key):
                                               what it charged, so a replay pays nothing;
                                               an agent's output once it ran (a replay
                                               answers it again, without running it)
"""

from __future__ import annotations

from typing import Final

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from shared.db.base import TeamItem, table_meta

CHANNEL_SORT: Final = "CHANNEL"


def channel_partition(channel_id: str) -> str:
    return f"CHANNEL#{channel_id}"


def invoke_key(key: str) -> str:
    return f"INVOKE#{key}"


class ChannelItem(TeamItem):
    Meta = table_meta("storefront")

    channel_id = UnicodeAttribute()
    status = UnicodeAttribute()
    amount_cents = NumberAttribute()
    balance_cents = NumberAttribute()
    spent_cents = NumberAttribute(default=0)
    refunded_cents = NumberAttribute(default=0)
    currency = UnicodeAttribute()
    order_id = UnicodeAttribute(null=True)
    checkout_url = UnicodeAttribute(null=True)
    token_digest = UnicodeAttribute()


class InvokeItem(TeamItem):
    Meta = table_meta("storefront")

    pid = UnicodeAttribute()
    cid = UnicodeAttribute()
    charged_cents = NumberAttribute()
    # An agent call's output as JSON, once it ran (None: running, or a download's call).
    output = UnicodeAttribute(null=True)

"""How subscriptions are stored, in the storefront table:

pk = SUBSCRIBER#<scope>         sk = E#<email>    a subscription (scope: a product's id or
                                                  `storefront`): status, the digests of its
                                                  confirm and unsubscribe tokens
pk = SUBSCRIBER#<scope>         sk = COUNTS       pending and confirmed subscriptions
                                                  (ADD only)
pk = SUBSCRIBERTOKEN#<digest>   sk = TOKEN        which subscription a token (confirm or
                                                  unsubscribe) is for
"""

from __future__ import annotations

from typing import Final

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shared.db.base import TeamItem, table_meta

EMAIL_PREFIX: Final = "E#"
COUNTS_SORT: Final = "COUNTS"
TOKEN_SORT: Final = "TOKEN"  # noqa: S105 - a sort key, not a secret


def scope_partition(scope: str) -> str:
    return f"SUBSCRIBER#{scope}"


def email_sort(email: str) -> str:
    return f"{EMAIL_PREFIX}{email}"


def token_partition(digest: str) -> str:
    return f"SUBSCRIBERTOKEN#{digest}"


class SubscriptionItem(TeamItem):
    Meta = table_meta("storefront")

    scope = UnicodeAttribute()
    email = UnicodeAttribute()
    status = UnicodeAttribute()
    confirm_digest = UnicodeAttribute(null=True)
    unsubscribe_digest = UnicodeAttribute()
    confirm_expires_at = UTCDateTimeAttribute()
    confirmed_at = UTCDateTimeAttribute(null=True)


class SubscriberCountItem(TeamItem):
    Meta = table_meta("storefront")

    pending = NumberAttribute(default=0)
    confirmed = NumberAttribute(default=0)


class SubscriptionTokenItem(TeamItem):
    Meta = table_meta("storefront")

    scope = UnicodeAttribute()
    email = UnicodeAttribute()
    purpose = UnicodeAttribute()  # confirm | unsubscribe

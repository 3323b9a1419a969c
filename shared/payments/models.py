"""How payments are stored, in the storefront table:

pk = ORDER#<order>              sk = ORDER        an order: what, who, how much, its state;
                                                  gsi1pk = TEAMORDERS#<seller>,
                                                  gsi1sk = <order>: the seller's orders
pk = TEAM#<team>                sk = PAYMENTS     the team's provider (Stripe: the vault
                                                  secret holding its key) and the inbound
                                                  hook source its confirmations arrive on
pk = TEAM#<team>                sk = PAYMENTCOUNT the team's paid orders, revenue, refunds
                                                  (ADD only)
pk = TESTCHECKOUT#<checkout>    sk = CHECKOUT     the built-in test provider's checkout
pk = TESTIDEM#<key>             sk = CLAIM        a test-provider call's idempotency key
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import Gsi1Index, TeamItem, table_meta

ORDER_SORT = "ORDER"
SETTINGS_SORT = "PAYMENTS"
COUNT_SORT = "PAYMENTCOUNT"
CHECKOUT_SORT = "CHECKOUT"
CLAIM_SORT = "CLAIM"


def order_partition(order_id: str) -> str:
    return f"ORDER#{order_id}"


def team_orders(team_id: str) -> str:
    return f"TEAMORDERS#{team_id}"


def test_checkout_partition(checkout_id: str) -> str:
    return f"TESTCHECKOUT#{checkout_id}"


def test_claim_partition(key: str) -> str:
    return f"TESTIDEM#{key}"


class OrderItem(TeamItem):
    Meta = table_meta("storefront")
    by_team: Gsi1Index[OrderItem] = Gsi1Index()

    order_id = UnicodeAttribute()
    purpose = UnicodeAttribute()
    reference_id = UnicodeAttribute()
    customer_id = UnicodeAttribute(null=True)
    amount_cents = NumberAttribute()
    currency = UnicodeAttribute()
    description = UnicodeAttribute()
    provider = UnicodeAttribute()
    status = UnicodeAttribute()
    refunded_cents = NumberAttribute(default=0)
    checkout_id = UnicodeAttribute(null=True)
    checkout_url = UnicodeAttribute(null=True)
    paid_at = UTCDateTimeAttribute(null=True)
    payment_id = UnicodeAttribute(null=True)


class PaymentSettingsItem(TeamItem):
    Meta = table_meta("storefront")

    provider = UnicodeAttribute()
    source_id = UnicodeAttribute()
    stripe_key_secret = UnicodeAttribute(null=True)
    stripe_livemode = BooleanAttribute(default=False)


class PaymentCountItem(TeamItem):
    Meta = table_meta("storefront")

    orders_paid = NumberAttribute(default=0)
    revenue_cents = NumberAttribute(default=0)
    refunded_cents = NumberAttribute(default=0)


class BuiltInCheckoutItem(TeamItem):
    Meta = table_meta("storefront")

    checkout_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    amount_cents = NumberAttribute()
    currency = UnicodeAttribute()
    description = UnicodeAttribute()
    status = UnicodeAttribute()  # open | paid
    success_url = UnicodeAttribute()
    cancel_url = UnicodeAttribute()


class BuiltInClaimItem(TeamItem):
    Meta = table_meta("storefront")

    checkout_id = UnicodeAttribute()

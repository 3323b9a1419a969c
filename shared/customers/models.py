"""How customers are stored, in the storefront table (they belong to no team):

pk = CUSTOMER#<customer>            sk = CUSTOMER              the account: email, name,
                                                               argon2id password hash
pk = CUSTOMEREMAIL#<folded email>   sk = CLAIM                 the address, taken once
pk = CUSTOMER#<customer>            sk = REFRESH#<family>      a sign-in's refresh token:
                                                               the digest of the current
                                                               one (rotated on each use),
                                                               expiring by TTL
pk = CUSTOMER#<customer>            sk = ENTITLEMENT#<product> may download the product:
                                                               why (free, an order)
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from shared.db.base import TeamItem, table_meta

ACCOUNT_SORT = "CUSTOMER"
CLAIM_SORT = "CLAIM"
ENTITLEMENT_PREFIX = "ENTITLEMENT#"
# Customers belong to no team; the team_id attribute every item has says so.
NO_TEAM = "-"


def customer_partition(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def email_partition(email: str) -> str:
    return f"CUSTOMEREMAIL#{email}"


def refresh_key(family: str) -> str:
    return f"REFRESH#{family}"


def entitlement_key(product_id: str) -> str:
    return f"{ENTITLEMENT_PREFIX}{product_id}"


class CustomerItem(TeamItem):
    Meta = table_meta("storefront")

    customer_id = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute()


class CustomerEmailItem(TeamItem):
    Meta = table_meta("storefront")

    customer_id = UnicodeAttribute()


class CustomerRefreshItem(TeamItem):
    Meta = table_meta("storefront")

    customer_id = UnicodeAttribute()
    digest = UnicodeAttribute()


class EntitlementItem(TeamItem):
    Meta = table_meta("storefront")

    customer_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    seller_id = UnicodeAttribute()
    source = UnicodeAttribute()
    order_id = UnicodeAttribute(null=True)
    granted_at = UTCDateTimeAttribute()

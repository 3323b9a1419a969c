"""How products are stored, in the storefront table.

A team's product and what it owns:

    pk = PRODUCT#<product>     sk = PRODUCT          the product; gsi1pk = TEAMPRODUCTS#<team>,
                                                     gsi1sk = <product>: the team's products
    pk = PRODUCT#<product>     sk = RELEASE#<n>      a published version: its job and ZIP;
                                                     gsi1pk = TEAMRELEASES#<team>,
                                                     gsi1sk = <published_at>#<product>#<n>
    pk = TEAM#<team>           sk = JOBPRODUCT#<job> the product a job's result was published as
    pk = TEAM#<team>           sk = PRODUCTCOUNT     the team's drafts, published and listed (ADD)

The public listing belongs to no team: one item per listed product and way of reading it,
each carrying the product's public summary, so a page is one Query and nothing else:

    pk = LISTING#ALL           sk = N#<published_at>#<product>   newest first (read backwards)
    pk = LISTING#ALL           sk = A#<name, folded>#<product>    by name
    pk = LISTING#CAT#<cat>     sk = N#... and A#...               the same, in one category
    pk = SEARCH#<word>         sk = N#<published_at>#<product>    each word of a listed product
    pk = LISTING#COUNTS        sk = ALL | CAT#<category>          how many are listed (ADD)

Listing items are written and deleted in the transaction that changes what is listed, with
their counters, so the listing, its totals and the products never disagree.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import Gsi1Index, TeamItem, table_meta

PRODUCT_SORT = "PRODUCT"
RELEASE_PREFIX = "RELEASE#"
COUNTS_PARTITION = "LISTING#COUNTS"
ALL_PARTITION = "LISTING#ALL"
NEWEST = "N#"
BY_NAME = "A#"


def product_partition(product_id: str) -> str:
    return f"PRODUCT#{product_id}"


def team_products(team_id: str) -> str:
    return f"TEAMPRODUCTS#{team_id}"


def team_releases(team_id: str) -> str:
    return f"TEAMRELEASES#{team_id}"


def release_key(release: int) -> str:
    return f"{RELEASE_PREFIX}{release:06d}"


def job_product_key(job_id: str) -> str:
    return f"JOBPRODUCT#{job_id}"


def category_partition(category: str) -> str:
    return f"LISTING#CAT#{category}"


def search_partition(word: str) -> str:
    return f"SEARCH#{word}"


def category_count_key(category: str) -> str:
    return f"CAT#{category}"


class ProductItem(TeamItem):
    Meta = table_meta("storefront")
    by_team: Gsi1Index[ProductItem] = Gsi1Index()

    product_id = UnicodeAttribute()
    job_id = UnicodeAttribute(null=True)
    name = UnicodeAttribute()
    category = UnicodeAttribute()
    tagline = UnicodeAttribute(null=True)
    description = UnicodeAttribute()
    price_cents = NumberAttribute(default=0)
    currency = UnicodeAttribute(default="usd")
    status = UnicodeAttribute(default="draft")
    hidden = BooleanAttribute(default=False)
    quality_score = NumberAttribute(default=0)
    quality_override = NumberAttribute(null=True)
    release = NumberAttribute(default=0)
    kind = UnicodeAttribute(default="download")
    web_root = UnicodeAttribute(null=True)
    support_agent_id = UnicodeAttribute(null=True)
    screenshots = ListAttribute(of=UnicodeAttribute, default=list)
    published_at = UTCDateTimeAttribute(null=True)


class ReleaseItem(TeamItem):
    Meta = table_meta("storefront")
    by_team: Gsi1Index[ReleaseItem] = Gsi1Index()

    product_id = UnicodeAttribute()
    release = NumberAttribute()
    job_id = UnicodeAttribute()
    zip_key = UnicodeAttribute()
    kind = UnicodeAttribute()
    web_root = UnicodeAttribute(null=True)
    quality_score = NumberAttribute()
    published_at = UTCDateTimeAttribute()
    published_by = UnicodeAttribute()


class JobProductItem(TeamItem):
    Meta = table_meta("storefront")

    product_id = UnicodeAttribute()


class ListingItem(TeamItem):
    """A listed product's public summary, under one way of reading the listing."""

    Meta = table_meta("storefront")

    product_id = UnicodeAttribute()
    name = UnicodeAttribute()
    tagline = UnicodeAttribute(null=True)
    category = UnicodeAttribute()
    price_cents = NumberAttribute()
    currency = UnicodeAttribute()
    kind = UnicodeAttribute()
    release = NumberAttribute()
    quality_score = NumberAttribute()
    published_at = UTCDateTimeAttribute()
    # " w1 w2 ... ": a search of several words reads the partition of one and keeps the
    # items whose words contain the others.
    words = UnicodeAttribute()


class CountItem(TeamItem):
    """A counter only ever ADDed (listing totals, a team's products): no version."""

    Meta = table_meta("storefront")

    total = NumberAttribute(default=0)
    drafts = NumberAttribute(default=0)
    published = NumberAttribute(default=0)
    listed = NumberAttribute(default=0)

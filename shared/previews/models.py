"""How previews are stored, in the storefront table (the seller's team is the item's
team_id); a release's site is unpacked once into the bucket, under the seller's prefix,
`previews/<seller>/<product>/r<release>/<path>`:

pk = PREVIEW#<preview>                  sk = PREVIEW   the preview: product, release, until
                                                       when (TTL removes it a day later)
pk = PREVIEWSITE#<product>#<release>    sk = SITE      the release's site is unpacked:
                                                       how many files, their size
"""

from __future__ import annotations

from typing import Final

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shared.db.base import TeamItem, table_meta

PREVIEW_SORT: Final = "PREVIEW"
SITE_SORT: Final = "SITE"


def preview_partition(preview_id: str) -> str:
    return f"PREVIEW#{preview_id}"


def site_partition(product_id: str, release: int) -> str:
    return f"PREVIEWSITE#{product_id}#{release}"


def site_prefix(seller_id: str, product_id: str, release: int) -> str:
    return f"previews/{seller_id}/{product_id}/r{release}/"


class PreviewItem(TeamItem):
    Meta = table_meta("storefront")

    preview_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    release = NumberAttribute()
    live_until = UTCDateTimeAttribute()


class SiteItem(TeamItem):
    Meta = table_meta("storefront")

    files = NumberAttribute()
    size_bytes = NumberAttribute()

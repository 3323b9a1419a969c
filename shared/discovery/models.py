"""How discovery runs are stored, in the storefront table (team-owned: the team's partition):

pk = TEAM#<team>   sk = DISCOVERY#<run>   a run: its request, status and ideas (run ids are
                                          ULIDs, so the range reads newest first)
"""

from __future__ import annotations

from typing import Final

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from shared.db.base import TeamItem, table_meta

RUN_PREFIX: Final = "DISCOVERY#"


def run_sort(run_id: str) -> str:
    return f"{RUN_PREFIX}{run_id}"


class DiscoveryRunItem(TeamItem):
    Meta = table_meta("storefront")

    run_id = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    status = UnicodeAttribute()
    top_k = NumberAttribute()
    create_product = BooleanAttribute()
    theme = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    # [{text, product_id?, job_id?, error?}]: at most top_k (10) short entries.
    ideas = JSONAttribute(default=list)
    provider = UnicodeAttribute(null=True)
    model = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)

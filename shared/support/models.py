"""How support sessions are stored, in the storefront table (a visitor has no team; the
seller's team is the item's team_id):

pk = SUPPORT#<session>   sk = SESSION   the session: product, status, the token's digest;
                                        gsi1pk = SUPPORTQUEUE#<seller>#<status>,
                                        gsi1sk = <last activity>#<session>: the seller's
                                        queue of one status, most recent first
The messages are the seller team's chat conversation of the same id (shared.chat.models).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pynamodb.attributes import UnicodeAttribute

from shared.db.base import Gsi1Index, TeamItem, table_meta

SESSION_SORT: Final = "SESSION"


def session_partition(session_id: str) -> str:
    return f"SUPPORT#{session_id}"


def queue_partition(team_id: str, status: str) -> str:
    return f"SUPPORTQUEUE#{team_id}#{status}"


def queue_sort(at: datetime, session_id: str) -> str:
    return f"{at.isoformat()}#{session_id}"


class SupportSessionItem(TeamItem):
    Meta = table_meta("storefront")

    session_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    product_name = UnicodeAttribute()
    status = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    escalation_reason = UnicodeAttribute(null=True)
    token_digest = UnicodeAttribute()

    in_queue: Gsi1Index[SupportSessionItem] = Gsi1Index()

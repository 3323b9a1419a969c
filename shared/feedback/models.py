"""How feedback is stored, in the storefront table:

pk = FEEDBACK#<product>   sk = V#<feedback>        a visible rating of the product (ids are
                                                   ULIDs: newest last); gsi1pk =
                                                   TEAMFEEDBACK#<seller>, gsi1sk = <feedback>:
                                                   the seller's feedback on every product
pk = FEEDBACK#<product>   sk = H#<feedback>        one the seller hid (moved, not flagged: the
                                                   public list reads V# alone)
pk = FEEDBACK#<product>   sk = AUTHOR#<customer>   which rating a signed-in customer gave
pk = RATING#<product>     sk = COUNTS              the visible ratings' counts, per value,
                                                   and the hidden ones' (ADD only)
"""

from __future__ import annotations

from typing import Final

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from shared.db.base import Gsi1Index, TeamItem, table_meta

VISIBLE: Final = "V#"
HIDDEN: Final = "H#"
AUTHOR_PREFIX: Final = "AUTHOR#"
COUNTS_SORT: Final = "COUNTS"


def product_partition(product_id: str) -> str:
    return f"FEEDBACK#{product_id}"


def feedback_sort(feedback_id: str, *, hidden: bool) -> str:
    return f"{HIDDEN if hidden else VISIBLE}{feedback_id}"


def author_sort(customer_id: str) -> str:
    return f"{AUTHOR_PREFIX}{customer_id}"


def team_feedback(team_id: str) -> str:
    return f"TEAMFEEDBACK#{team_id}"


def counts_partition(product_id: str) -> str:
    return f"RATING#{product_id}"


class FeedbackItem(TeamItem):
    Meta = table_meta("storefront")

    feedback_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    rating = NumberAttribute()
    comment = UnicodeAttribute(default="")
    customer_id = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    verified = BooleanAttribute(default=False)
    hidden = BooleanAttribute(default=False)

    by_team: Gsi1Index[FeedbackItem] = Gsi1Index()


class FeedbackAuthorItem(TeamItem):
    Meta = table_meta("storefront")

    feedback_id = UnicodeAttribute()


class RatingCountItem(TeamItem):
    Meta = table_meta("storefront")

    total = NumberAttribute(default=0)
    hidden = NumberAttribute(default=0)
    r1 = NumberAttribute(default=0)
    r2 = NumberAttribute(default=0)
    r3 = NumberAttribute(default=0)
    r4 = NumberAttribute(default=0)
    r5 = NumberAttribute(default=0)

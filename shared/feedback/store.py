"""Feedback storage (keys in shared.feedback.models): domain objects in and out.

DynamoDB per call:
  get_feedback            one or two GetItems (visible, then hidden)
  by_author               one GetItem (+ get_feedback)
  team_feedback_item      one Query of the seller's gsi1 partition, on the id
  add / change / move     one TransactWriteItems: the rating (on the version read), the
                          author's claim when new, the product's counters
  list_product            one Query of V# (or H#) under the product, no count
  list_team               one Query of the seller's gsi1 partition (+ its COUNT)
  summary                 one GetItem
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from pynamodb.transactions import TransactWrite

from shared.db.base import counts_of, get_or_none, storage_errors
from shared.db.query import prefix_page, query_page
from shared.db.transactions import transact
from shared.errors import Conflict
from shared.feedback.domain import RATINGS, Feedback, RatingSummary
from shared.feedback.models import (
    COUNTS_SORT,
    HIDDEN,
    VISIBLE,
    FeedbackAuthorItem,
    FeedbackItem,
    RatingCountItem,
    author_sort,
    counts_partition,
    feedback_sort,
    product_partition,
    team_feedback,
)
from shared.ids import looks_like_id
from shared.pagination import PageParams

_CHANGED = "the feedback changed meanwhile: read it again"


def _to_feedback(item: FeedbackItem) -> Feedback:
    return Feedback(
        id=item.feedback_id,
        team_id=item.team_id,
        product_id=item.product_id,
        rating=int(item.rating),
        comment=item.comment or "",
        created_at=item.created_at,
        updated_at=item.updated_at,
        customer_id=item.customer_id,
        email=item.email,
        verified=bool(item.verified),
        hidden=bool(item.hidden),
        version=item.version,
    )


def _item(feedback: Feedback) -> FeedbackItem:
    item = FeedbackItem(
        product_partition(feedback.product_id),
        feedback_sort(feedback.id, hidden=feedback.hidden),
        team_id=feedback.team_id,
        feedback_id=feedback.id,
        product_id=feedback.product_id,
        rating=feedback.rating,
        comment=feedback.comment,
        customer_id=feedback.customer_id,
        email=feedback.email,
        verified=feedback.verified,
        hidden=feedback.hidden,
        created_at=feedback.created_at,
        updated_at=feedback.updated_at,
        gsi1pk=team_feedback(feedback.team_id),
        gsi1sk=feedback.id,
    )
    if feedback.version is not None:
        item.version = feedback.version
    return item


def _counted(feedback: Feedback | None) -> Counter[str]:
    """What a rating adds to its product's counters: a hidden one only to `hidden`."""
    if feedback is None:
        return Counter()
    if feedback.hidden:
        return Counter({"hidden": 1})
    return Counter({"total": 1, f"r{feedback.rating}": 1})


def _count(transaction: TransactWrite, old: Feedback | None, new: Feedback) -> None:
    deltas = _counted(new)
    deltas.subtract(_counted(old))
    actions = [
        getattr(RatingCountItem, name).add(delta) for name, delta in sorted(deltas.items()) if delta
    ]
    if actions:
        transaction.update(
            RatingCountItem(counts_partition(new.product_id), COUNTS_SORT),
            actions=[*actions, RatingCountItem.team_id.set(new.team_id)],
            add_version_condition=False,
        )


def get_feedback(product_id: str, feedback_id: str) -> Feedback | None:
    if not looks_like_id(feedback_id):
        return None
    for hidden in (False, True):
        item = get_or_none(
            FeedbackItem,
            product_partition(product_id),
            feedback_sort(feedback_id, hidden=hidden),
            consistent=True,
        )
        if item is not None:
            return _to_feedback(item)
    return None


def by_author(product_id: str, customer_id: str) -> Feedback | None:
    """The rating a signed-in customer gave the product, if any."""
    claim = get_or_none(
        FeedbackAuthorItem, product_partition(product_id), author_sort(customer_id), consistent=True
    )
    return None if claim is None else get_feedback(product_id, claim.feedback_id)


def add(feedback: Feedback) -> Feedback:
    """A new rating, its author's claim (a signed-in customer rates a product once: a
    concurrent first rating is Conflict) and its counters."""

    def write(transaction: TransactWrite) -> None:
        transaction.save(_item(feedback), condition=FeedbackItem.pk.does_not_exist())
        if feedback.customer_id:
            transaction.save(
                FeedbackAuthorItem(
                    product_partition(feedback.product_id),
                    author_sort(feedback.customer_id),
                    team_id=feedback.team_id,
                    feedback_id=feedback.id,
                ),
                condition=FeedbackAuthorItem.pk.does_not_exist(),
            )
        _count(transaction, None, feedback)

    if transact(write, what="feedback"):
        raise Conflict("this product was rated from this account meanwhile: rate it again")
    return replace(feedback, version=1)


def change(old: Feedback, new: Feedback) -> Feedback:
    """`old` (as read) replaced by `new` under the same key, the counters moved."""

    def write(transaction: TransactWrite) -> None:
        transaction.save(_item(new))  # on the version read
        _count(transaction, old, new)

    if transact(write, what="feedback"):
        raise Conflict(_CHANGED)
    return replace(new, version=(old.version or 0) + 1)


def move(old: Feedback, *, hidden: bool) -> Feedback:
    """Hide a rating, or show it again: it moves between V# and H# (so the public list is
    one Query of visible ones), and the counters follow."""
    moved = replace(old, hidden=hidden, version=None)

    def write(transaction: TransactWrite) -> None:
        transaction.delete(_item(old))  # on the version read
        transaction.save(_item(moved), condition=FeedbackItem.pk.does_not_exist())
        _count(transaction, old, moved)

    if transact(write, what="feedback"):
        raise Conflict(_CHANGED)
    return replace(moved, version=1)


def team_feedback_item(team_id: str, feedback_id: str) -> Feedback | None:
    """One of the seller's ratings by its id (another team's is None)."""
    if not looks_like_id(feedback_id):
        return None
    with storage_errors("feedback"):
        found = list(
            FeedbackItem.by_team.query(
                team_feedback(team_id), FeedbackItem.gsi1sk == feedback_id, limit=1
            )
        )
    return _to_feedback(found[0]) if found else None


def list_product(
    product_id: str, params: PageParams, *, hidden: bool = False
) -> tuple[list[Feedback], str | None]:
    """The product's visible (or hidden) ratings, newest first."""
    items, cursor = prefix_page(
        FeedbackItem, product_partition(product_id), HIDDEN if hidden else VISIBLE, params
    )
    return [_to_feedback(item) for item in items], cursor


def list_team(
    team_id: str, params: PageParams, *, hidden: bool = False
) -> tuple[list[Feedback], int, str | None]:
    """The seller's visible (or hidden) ratings of every product, newest first (its own
    partition: counted)."""
    items, total, cursor = query_page(
        FeedbackItem.by_team,
        team_feedback(team_id),
        params,
        filter_condition=FeedbackItem.hidden == hidden,
    )
    return [_to_feedback(item) for item in items], total, cursor


def summary(product_id: str) -> RatingSummary:
    names = ("total", "hidden", *(f"r{rating}" for rating in RATINGS))
    counts = counts_of(RatingCountItem, counts_partition(product_id), COUNTS_SORT, names)
    return RatingSummary(
        product_id=product_id,
        count=counts["total"],
        by_rating={rating: counts[f"r{rating}"] for rating in RATINGS},
        hidden=counts["hidden"],
    )

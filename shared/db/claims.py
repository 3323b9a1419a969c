"""An item and the claim on its unique name (a slug per team), written together.

The claim is an item whose key is the name, so "the name is free" is a condition DynamoDB
checks in the same transaction that stores the item: two creates with one name cannot
both succeed, and neither leaves an item without its claim or a claim without its item.
"""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.transactions import TransactWrite

from shared.db.base import TeamItem
from shared.db.transactions import condition_failed, transact
from shared.errors import Conflict


def create_with_claim(
    item: TeamItem,
    claim: TeamItem,
    *,
    taken: str,
    also: Callable[[TransactWrite], None] | None = None,
) -> None:
    """Store the new `item` and its `claim`, both or neither; `also` adds unconditional
    updates to the same transaction (the team's counters).

    Conflict(`taken`) only when the claim exists (the name is taken); throttling and an
    unavailable table are ServiceUnavailable (503), after `transact`'s retries.
    """

    def write(transaction: TransactWrite) -> None:
        transaction.save(item, condition=TeamItem.pk.does_not_exist())
        transaction.save(claim, condition=TeamItem.pk.does_not_exist())
        if also is not None:
            also(transaction)

    reasons = transact(write, what="claim")
    if condition_failed(reasons, 1):
        raise Conflict(taken)
    if reasons:  # the item's own key: fresh ids do not collide, a repeated one does
        raise Conflict("an item with this id already exists; try again")

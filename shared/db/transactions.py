"""One TransactWriteItems, all or nothing, tried again while another transaction is in
the way.

DynamoDB cancels a transaction that touches an item another transaction is writing
(``TransactionConflict``), and throttles hot partitions; either way nothing was applied,
so the same writes are sent again after a jittered backoff (instances that collided on
one item spread out instead of colliding again). A failed condition is an answer, not a
failure: it is never retried, and the caller gets each item's reason to decide what it
means (a taken slug, a deleted agent, an item changed since it was read).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from shared.db.connection import connection
from shared.errors import ServiceUnavailable
from shared.observability import logger

TRANSACT_ATTEMPTS = 6
CONDITION_FAILED = "ConditionalCheckFailed"
# Cancellation reasons (per item) and error codes (whole request) that applied nothing and
# clear by themselves.
_RETRY_REASONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)
_RETRY_ERRORS = frozenset(
    {
        "TransactionInProgressException",
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
    }
)
_BACKOFF_SECONDS = 0.02

# The reason code of each item of a cancelled transaction (None: not that item's fault).
Reasons = list[str | None]


def transact(
    write: Callable[[TransactWrite], None],
    *,
    what: str = "storage",
    attempts: int = TRANSACT_ATTEMPTS,
    sleep: Callable[[float], None] | None = None,
    jitter: Callable[[], float] = random.random,
) -> Reasons:
    """Run what `write` adds to a transaction as one TransactWriteItems.

    Answers ``[]`` when it was applied, else (a condition failed) the reason code of each
    item in DynamoDB's order: condition checks, deletes, puts, updates, each kind in the
    order `write` added them (see `condition_failed`). A conflict with a concurrent
    transaction or throttling is tried again, up to `attempts` times in all, then is
    ServiceUnavailable (503), as is any other storage failure. `write` is called afresh
    for each attempt, so it must build its actions anew (PynamoDB appends the version
    action to the list it is given). `sleep` (default `pause`) and `jitter` are for tests.
    """
    for attempt in range(1, attempts + 1):
        try:
            with TransactWrite(connection=connection()) as transaction:
                write(transaction)
            return []
        except TransactWriteError as exc:
            reasons = [reason.code if reason else None for reason in exc.cancellation_reasons]
            if CONDITION_FAILED in reasons:
                return reasons
            retryable = exc.cause_response_code in _RETRY_ERRORS or any(
                reason in _RETRY_REASONS for reason in reasons
            )
            if attempt == attempts or not retryable:
                raise ServiceUnavailable("Storage is unavailable; try again shortly") from exc
            logger.warning(
                "transaction retried",
                extra={"what": what, "attempt": attempt, "reasons": reasons},
            )
            (pause if sleep is None else sleep)(backoff_seconds(attempt, jitter))
    raise AssertionError("unreachable")


def pause(seconds: float) -> None:
    """The wait between attempts (tests that go through a caller replace this)."""
    time.sleep(seconds)


def backoff_seconds(attempt: int, jitter: Callable[[], float] = random.random) -> float:
    """Full jitter: anywhere up to 40 ms, 80 ms, 160 ms ... after the 1st, 2nd, 3rd attempt."""
    return _BACKOFF_SECONDS * 2**attempt * jitter()


def condition_failed(reasons: Reasons, index: int) -> bool:
    """Whether the `index`-th item of the transaction is one whose condition failed."""
    return index < len(reasons) and reasons[index] == CONDITION_FAILED

"""shared/db's transaction, versioned update and claim helpers, against a stubbed DynamoDB
client (botocore's Stubber: no emulated AWS, no real sleeping)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber
from pynamodb.attributes import UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from shared.db import transactions
from shared.db.base import TeamItem, table_meta
from shared.db.claims import create_with_claim
from shared.db.transactions import TRANSACT_ATTEMPTS, backoff_seconds, transact
from shared.db.versioned import LostRace, lost_race, update_versioned
from shared.errors import Conflict, ServiceUnavailable
from shared.settings import get_settings


class ThingItem(TeamItem):
    Meta = table_meta("jobs")

    name = UnicodeAttribute(default="")


def _thing(sort_key: str = "THING#1") -> ThingItem:
    return ThingItem("TEAM#t1", sort_key, team_id="t1")


def _write(transaction: TransactWrite) -> None:
    transaction.save(_thing(), condition=ThingItem.pk.does_not_exist())
    transaction.save(_thing("CLAIM#a"), condition=ThingItem.pk.does_not_exist())


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """The transactions' client, answering only what a test queues (and nothing else).

    A connection of the test's own: the container's cached one must not hold a client
    built outside the emulated AWS other tests use."""
    own = Connection(region=get_settings().aws_region)
    monkeypatch.setattr(transactions, "connection", lambda: own)
    with Stubber(own.client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def cancelled(stubber: Stubber, *codes: str) -> None:
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        service_message="Transaction cancelled",
        modeled_fields={"CancellationReasons": [{"Code": code} for code in codes]},
    )


def failed(stubber: Stubber, code: str) -> None:
    stubber.add_client_error("transact_write_items", service_error_code=code, http_status_code=400)


def applied(stubber: Stubber) -> None:
    stubber.add_response("transact_write_items", {})


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


# transact


def test_a_transaction_that_applies_answers_no_reasons(dynamodb: Stubber) -> None:
    applied(dynamodb)
    sleeps = Sleeps()

    assert transact(_write, sleep=sleeps) == []
    assert sleeps == []


def test_a_conflict_is_tried_again_after_a_jittered_backoff(dynamodb: Stubber) -> None:
    # Given another transaction in the way once
    cancelled(dynamodb, "TransactionConflict", "None")
    applied(dynamodb)
    sleeps = Sleeps()

    # When the transaction runs
    reasons = transact(_write, sleep=sleeps, jitter=lambda: 0.5)

    # Then the second attempt applied it, after half of the first backoff's ceiling
    assert reasons == []
    assert sleeps == [pytest.approx(0.02 * 2 * 0.5)]


def test_throttling_is_tried_again(dynamodb: Stubber) -> None:
    failed(dynamodb, "ThrottlingException")
    cancelled(dynamodb, "ThrottlingError", "None")
    applied(dynamodb)
    sleeps = Sleeps()

    assert transact(_write, sleep=sleeps, jitter=lambda: 1.0) == []
    assert sleeps == [pytest.approx(0.04), pytest.approx(0.08)]


def test_conflicts_that_never_clear_give_up_after_the_attempts(dynamodb: Stubber) -> None:
    for _ in range(TRANSACT_ATTEMPTS):
        cancelled(dynamodb, "None", "TransactionConflict")
    sleeps = Sleeps()

    with pytest.raises(ServiceUnavailable):
        transact(_write, sleep=sleeps, jitter=lambda: 1.0)

    # One wait between each two attempts, each ceiling twice the one before
    assert sleeps == [pytest.approx(0.02 * 2**n) for n in range(1, TRANSACT_ATTEMPTS)]


def test_a_failed_condition_is_an_answer_and_never_retried(dynamodb: Stubber) -> None:
    cancelled(dynamodb, "None", "ConditionalCheckFailed")
    sleeps = Sleeps()

    assert transact(_write, sleep=sleeps) == [None, "ConditionalCheckFailed"]
    assert sleeps == []


def test_other_failures_are_unavailable_at_once(dynamodb: Stubber) -> None:
    failed(dynamodb, "ValidationException")
    sleeps = Sleeps()

    with pytest.raises(ServiceUnavailable) as raised:
        transact(_write, sleep=sleeps)

    assert sleeps == []
    assert "Validation" not in str(raised.value)  # never an AWS error's text


def test_the_backoff_is_jittered_under_a_doubling_ceiling() -> None:
    assert backoff_seconds(3, lambda: 0.0) == 0.0
    assert backoff_seconds(3, lambda: 0.25) == pytest.approx(0.04)
    assert backoff_seconds(4, lambda: 0.25) == pytest.approx(0.08)


# create_with_claim


@pytest.fixture
def no_pause(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    sleeps = Sleeps()
    monkeypatch.setattr(transactions, "pause", sleeps)
    return sleeps


def test_a_taken_name_is_a_conflict(dynamodb: Stubber, no_pause: Sleeps) -> None:
    cancelled(dynamodb, "None", "ConditionalCheckFailed")

    with pytest.raises(Conflict, match="slug 'a' is already taken"):
        create_with_claim(_thing(), _thing("CLAIM#a"), taken="slug 'a' is already taken")


def test_throttling_on_a_claim_is_unavailable_not_taken(
    dynamodb: Stubber, no_pause: Sleeps
) -> None:
    for _ in range(TRANSACT_ATTEMPTS):
        failed(dynamodb, "ThrottlingException")

    with pytest.raises(ServiceUnavailable):
        create_with_claim(_thing(), _thing("CLAIM#a"), taken="slug 'a' is already taken")
    assert len(no_pause) == TRANSACT_ATTEMPTS - 1


def test_a_claim_that_conflicted_once_is_written(dynamodb: Stubber, no_pause: Sleeps) -> None:
    cancelled(dynamodb, "None", "TransactionConflict")
    applied(dynamodb)

    create_with_claim(_thing(), _thing("CLAIM#a"), taken="taken")

    assert len(no_pause) == 1


def test_an_item_whose_own_key_exists_is_a_conflict_but_not_taken(
    dynamodb: Stubber, no_pause: Sleeps
) -> None:
    cancelled(dynamodb, "ConditionalCheckFailed", "None")

    with pytest.raises(Conflict) as raised:
        create_with_claim(_thing(), _thing("CLAIM#a"), taken="taken")
    assert "taken" not in raised.value.detail


# update_versioned


class Store:
    """A value with a version; writes lose to `rivals` other writers first."""

    def __init__(self, rivals: int) -> None:
        self.value, self.version, self.rivals, self.reads = 0, 1, rivals, 0

    def read(self) -> tuple[int, int]:
        self.reads += 1
        return self.value, self.version

    def add_one(self, current: tuple[int, int]) -> int:
        value, version = current
        if self.rivals:  # someone else wrote between our read and our write
            self.rivals -= 1
            self.value, self.version = self.value + 10, self.version + 1
        if version != self.version:
            raise LostRace
        self.value, self.version = value + 1, version + 1
        return self.value


def test_a_lost_race_is_applied_again_to_what_the_winner_wrote() -> None:
    store = Store(rivals=2)

    assert update_versioned(store.read, store.add_one, what="counter") == 21
    assert store.reads == 3


def test_a_change_that_keeps_losing_is_a_conflict_after_the_attempts() -> None:
    store = Store(rivals=100)

    with pytest.raises(Conflict, match="counter kept changing"):
        update_versioned(store.read, store.add_one, what="counter", attempts=4)
    assert store.reads == 4


def test_a_rule_the_change_enforces_is_not_retried() -> None:
    reads: list[int] = []

    def refuse(_: Any) -> None:
        raise Conflict("job is completed; it can no longer be cancelled")

    with pytest.raises(Conflict, match="no longer be cancelled"):
        update_versioned(lambda: reads.append(1), refuse, what="job")
    assert reads == [1]


def test_lost_race_turns_only_the_write_conflict_into_a_retry() -> None:
    with pytest.raises(LostRace), lost_race():
        raise Conflict("job was changed by another request")

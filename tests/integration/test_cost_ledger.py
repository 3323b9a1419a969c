"""The cost ledger: one transaction per call, rollups that always agree with the ledger."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from shared.aws import client
from shared.costs.amounts import cost_micros
from shared.costs.calls import CallRecord
from shared.costs.ledger import record_call
from shared.costs.models import (
    TOTAL_KEY,
    CallItem,
    RollupItem,
    call_key,
    ledger_partition,
    rollup_key,
)
from shared.db import transactions
from shared.db.base import team_partition
from shared.errors import ServiceUnavailable
from shared.ids import new_id

pytestmark = pytest.mark.usefixtures("aws")

# Far from the real clock: nothing here depends on today, and no TTL is due.
NOON = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)


def a_call(team_id: str, **changes: Any) -> CallRecord:
    """A call of 1,000 tokens in at $0.15/M and 500 out at $0.60/M: 450 micro-dollars."""
    fields: dict[str, Any] = {
        "team_id": team_id,
        "user_id": "user-1",
        "provider": "openai",
        "model": "gpt-4o-mini",
        "tokens_in": 1000,
        "tokens_out": 500,
        "input_price_per_million": 0.15,
        "output_price_per_million": 0.60,
        "at": NOON,
    }
    return CallRecord(**(fields | changes))


def forget_team(team_id: str) -> None:
    """Delete the team's cost items: moto copies the whole table at every transaction (to
    roll back), so a table left to grow makes every later test slower."""
    partition = team_partition(team_id)
    with RollupItem.batch_write() as batch:
        for item in RollupItem.query(partition, attributes_to_get=["pk", "sk"]):
            batch.delete(item)


def ledger_items(team_id: str) -> dict[str, dict[str, Any]]:
    """The team's call items, in the ledger's own partition."""
    return stored(team_id, "CALL#", partition=ledger_partition(team_id))


def stored(
    team_id: str, prefix: str = "", *, partition: str | None = None
) -> dict[str, dict[str, Any]]:
    """The team's items whose sort key starts with `prefix`, as DynamoDB holds them."""
    condition, values = "pk = :pk", {":pk": {"S": partition or team_partition(team_id)}}
    if prefix:
        condition, values[":prefix"] = condition + " AND begins_with(sk, :prefix)", {"S": prefix}
    pages = (
        client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=RollupItem.Meta.table_name,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
        )
    )
    read = TypeDeserializer().deserialize
    items = [
        {name: read(value) for name, value in raw.items()}
        for page in pages
        for raw in page["Items"]
    ]
    return {item["sk"]: item for item in items}


def totals(item: dict[str, Any]) -> tuple[int, int, int, int]:
    return item["calls"], item["tokens_in"], item["tokens_out"], item["cost_micros"]


@pytest.fixture
def team() -> Iterator[str]:
    team_id = f"team-{new_id()}"
    yield team_id
    forget_team(team_id)


@pytest.fixture
def dynamodb_operations(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every DynamoDB request made during the test: (operation, parameters)."""
    seen: list[tuple[str, dict[str, Any]]] = []
    original = BaseClient._make_api_call

    def recorded(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            seen.append((operation, params))
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recorded)
    return seen


def test_cost_is_tokens_times_price_per_million_in_whole_micro_dollars() -> None:
    assert cost_micros(1000, 500, 0.15, 0.60) == 450
    assert cost_micros(1_000_000, 0, 3.0, 15.0) == 3_000_000
    # Half a micro-dollar rounds up; less rounds down.
    assert cost_micros(1, 0, 0.5, 0) == 1
    assert cost_micros(1, 0, 0.49, 0) == 0
    # Prices are read as the decimals they were written as: 0.1 + 0.2 is 0.3 here.
    assert cost_micros(1_000_000, 1_000_000, 0.1, 0.2) == 300_000


def test_a_call_record_refuses_nonsense_and_keeps_time_in_utc() -> None:
    with pytest.raises(ValueError, match="negative"):
        a_call("t", tokens_in=-1)
    with pytest.raises(ValueError, match="prices"):
        a_call("t", output_price_per_million=float("nan"))
    with pytest.raises(ValueError, match="timezone"):
        a_call("t", at=datetime(2030, 6, 15, 12, 0))  # naive: the point of the test
    with pytest.raises(ValueError, match="'#'"):
        a_call("t", user_id="a#b")

    record = a_call("t", at=datetime(2030, 6, 16, 1, 0, tzinfo=timezone(timedelta(hours=2))))

    assert record.at == datetime(2030, 6, 15, 23, 0, tzinfo=UTC)
    assert record.cost_micros == 450
    assert record.cost_usd == 0.00045


def test_a_call_is_one_transaction_of_the_ledger_item_and_an_add_per_rollup(
    team: str, dynamodb_operations: list[tuple[str, dict[str, Any]]]
) -> None:
    # Given a call by an agent for a job
    record = a_call(team, agent_id="agent-dev", job_id="job-1")

    # When it is recorded
    call_id = record_call(record)

    # Then one TransactWriteItems wrote the ledger item and eight rollups
    assert [operation for operation, _ in dynamodb_operations] == ["TransactWriteItems"]
    items = dynamodb_operations[0][1]["TransactItems"]
    assert [next(iter(item)) for item in items] == ["Put"] + ["Update"] * 8
    ledger_item = CallItem.get(ledger_partition(team), call_key(call_id))
    assert (ledger_item.user_id, ledger_item.agent_id, ledger_item.job_id) == (
        "user-1",
        "agent-dev",
        "job-1",
    )
    assert (ledger_item.provider, ledger_item.model) == ("openai", "gpt-4o-mini")
    assert (ledger_item.tokens_in, ledger_item.tokens_out, ledger_item.cost_micros) == (
        1000,
        500,
        450,
    )
    assert (ledger_item.input_price_per_million, ledger_item.output_price_per_million) == (
        0.15,
        0.6,
    )
    assert ledger_item.at == NOON
    assert ledger_item.expires_at == NOON + timedelta(days=400)  # the ledger's TTL
    rollups = stored(team, "ROLLUP#")
    assert sorted(rollups) == [
        "ROLLUP#AGENT#agent-dev",
        "ROLLUP#DAY#2030-06-15",
        "ROLLUP#JOB#job-1",
        "ROLLUP#MODEL#gpt-4o-mini",
        "ROLLUP#MONTH#2030-06",
        "ROLLUP#PROVIDER#openai",
        "ROLLUP#TOTAL",
        "ROLLUP#USERMONTH#user-1#2030-06",
    ]
    assert all(totals(item) == (1, 1000, 500, 450) for item in rollups.values())
    assert rollups["ROLLUP#AGENT#agent-dev"]["label"] == "agent-dev"
    assert rollups["ROLLUP#DAY#2030-06-15"]["label"] == "2030-06-15"
    assert "expires_at" in rollups["ROLLUP#DAY#2030-06-15"]
    assert "expires_at" not in rollups["ROLLUP#TOTAL"]


def test_a_call_without_agent_or_job_adds_to_neither(team: str) -> None:
    record_call(a_call(team))

    assert not stored(team, "ROLLUP#AGENT#")
    assert not stored(team, "ROLLUP#JOB#")
    assert totals(stored(team, TOTAL_KEY)[TOTAL_KEY]) == (1, 1000, 500, 450)


def test_rollups_are_exact_after_many_calls_across_days_providers_agents_and_jobs(
    team: str,
) -> None:
    # Given calls spread over three days (two months), two providers, agents and jobs
    records = [
        a_call(
            team,
            provider=("openai", "anthropic")[i % 2],
            model=("gpt-4o-mini", "claude-sonnet")[i % 2],
            agent_id=("agent-dev", "agent-qa", None)[i % 3],
            job_id=("job-1", None)[i % 4 // 3],
            user_id=("user-1", "user-2")[i % 5 // 4],
            tokens_in=100 * (i + 1),
            tokens_out=37 * i,
            input_price_per_million=(0.15, 3.0)[i % 2],
            output_price_per_million=(0.60, 15.0)[i % 2],
            at=NOON + timedelta(days=(0, 1, 16)[i % 3], minutes=i),
        )
        for i in range(24)
    ]

    # When each is recorded
    call_ids = [record_call(record) for record in records]

    # Then every rollup holds exactly the sum of its calls
    expected: dict[str, Counter[str]] = {}
    for record in records:
        day, month = record.at.date().isoformat(), record.at.strftime("%Y-%m")
        keys = [
            TOTAL_KEY,
            rollup_key("DAY", day),
            rollup_key("MONTH", month),
            rollup_key("PROVIDER", record.provider),
            rollup_key("MODEL", record.model),
            rollup_key("USERMONTH", record.user_id, month),
        ]
        keys += [rollup_key("AGENT", record.agent_id)] if record.agent_id else []
        keys += [rollup_key("JOB", record.job_id)] if record.job_id else []
        for key in keys:
            expected.setdefault(key, Counter()).update(
                calls=1,
                tokens_in=record.tokens_in,
                tokens_out=record.tokens_out,
                cost_micros=record.cost_micros,
            )
    rollups = stored(team, "ROLLUP#")
    assert set(rollups) == set(expected)
    for key, counts in expected.items():
        assert totals(rollups[key]) == (
            counts["calls"],
            counts["tokens_in"],
            counts["tokens_out"],
            counts["cost_micros"],
        ), key
    # and the ledger holds each call once
    assert set(ledger_items(team)) == {call_key(call_id) for call_id in call_ids}


THREADS = 8
CALLS_PER_THREAD = 6  # moto runs ~30-60 ms per transaction here; the count is what matters


def test_concurrent_callers_lose_no_count(team: str) -> None:
    # Given many instances recording calls for one team at once (all on the same rollups)
    def record_many(thread: int) -> None:
        for i in range(CALLS_PER_THREAD):
            record_call(a_call(team, tokens_in=1000 + thread, tokens_out=i))

    # When they all finish
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(record_many, range(THREADS)))

    # Then the totals are exact: atomic ADDs inside each transaction, no read-modify-write
    calls = THREADS * CALLS_PER_THREAD
    tokens_in = sum(1000 + t for t in range(THREADS)) * CALLS_PER_THREAD
    tokens_out = sum(range(CALLS_PER_THREAD)) * THREADS
    cost = sum(
        cost_micros(1000 + t, i, 0.15, 0.60)
        for t in range(THREADS)
        for i in range(CALLS_PER_THREAD)
    )
    rollups = stored(team, "ROLLUP#")
    for key in (TOTAL_KEY, "ROLLUP#DAY#2030-06-15", "ROLLUP#PROVIDER#openai"):
        assert totals(rollups[key]) == (calls, tokens_in, tokens_out, cost)
    assert len(ledger_items(team)) == calls


def test_a_failed_transaction_changes_neither_the_ledger_nor_any_rollup(team: str) -> None:
    # Given recorded calls, and a provider rollup whose call count DynamoDB cannot ADD to
    record_call(a_call(team))
    client("dynamodb").put_item(
        TableName=RollupItem.Meta.table_name,
        Item={
            "pk": {"S": team_partition(team)},
            "sk": {"S": rollup_key("PROVIDER", "broken")},
            "label": {"S": "broken"},
            "calls": {"S": "not a number"},
        },
    )
    before = (stored(team), ledger_items(team))

    # When a call whose transaction includes that rollup is recorded
    with pytest.raises(ServiceUnavailable):
        record_call(a_call(team, provider="broken", agent_id="agent-dev", job_id="job-9"))

    # Then nothing of it was written: no ledger item, no rollup changed or created
    assert (stored(team), ledger_items(team)) == before


def test_recording_the_same_call_id_twice_counts_it_once(team: str) -> None:
    # A worker that recorded a call, then failed and ran again, passes the same id.
    call_id = record_call(a_call(team), call_id="phase-dev-attempt-1")

    again = record_call(a_call(team), call_id="phase-dev-attempt-1")

    assert again == call_id == "phase-dev-attempt-1"
    assert totals(stored(team, TOTAL_KEY)[TOTAL_KEY]) == (1, 1000, 500, 450)
    assert len(ledger_items(team)) == 1


def _conflict() -> ClientError:
    """What DynamoDB answers when another transaction held one of the rollups."""
    reasons = [{"Code": "None"}, {"Code": "TransactionConflict", "Message": "conflict"}]
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": reasons,
        },
        "TransactWriteItems",
    )


def test_a_transaction_cancelled_by_a_conflict_is_tried_again(
    team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given DynamoDB cancels the first attempt: another transaction held the TOTAL rollup
    original = BaseClient._make_api_call
    attempts: list[str] = []

    def conflicted_once(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "TransactWriteItems":
            attempts.append(operation)
            if len(attempts) == 1:
                raise _conflict()
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", conflicted_once)
    monkeypatch.setattr(transactions, "pause", lambda _: None)

    # When the call is recorded
    record_call(a_call(team))

    # Then the second attempt counted it, once
    assert len(attempts) == 2
    assert totals(stored(team, TOTAL_KEY)[TOTAL_KEY]) == (1, 1000, 500, 450)


def test_conflicts_that_never_clear_end_in_service_unavailable(
    team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = BaseClient._make_api_call
    attempts: list[str] = []

    def always_conflicted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "TransactWriteItems":
            attempts.append(operation)
            raise _conflict()
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", always_conflicted)
    monkeypatch.setattr(transactions, "pause", lambda _: None)

    with pytest.raises(ServiceUnavailable):
        record_call(a_call(team))

    assert len(attempts) == transactions.TRANSACT_ATTEMPTS
    assert stored(team) == {}

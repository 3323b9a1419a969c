"""Cost summaries: read from the rollups, so what they cost never grows with the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from botocore.client import BaseClient

from shared.costs.ledger import record_call
from shared.costs.models import CallItem, RollupItem, call_key, day_key, ledger_partition
from shared.costs.summaries import by_agent, by_job, by_model, by_provider, daily, summary
from shared.db.base import team_partition
from shared.errors import BadRequest
from shared.ids import new_id
from shared.pagination import PageParams
from tests.integration.test_cost_ledger import NOON, a_call, forget_team

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture
def team() -> Iterator[str]:
    team_id = f"team-{new_id()}"
    yield team_id
    forget_team(team_id)


@pytest.fixture
def dynamodb_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every DynamoDB request made during the test: (operation, items it read)."""
    seen: list[tuple[str, int]] = []
    original = BaseClient._make_api_call

    def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        answer = original(client, operation, params)
        if client.meta.service_model.service_name == "dynamodb":
            responses = answer.get("Responses", {}).values()
            read = answer.get("Count", sum(len(items) for items in responses))
            seen.append((operation, read + (1 if "Item" in answer else 0)))
        return answer

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    return seen


def seed_history(team_id: str, calls: int, days: int, last: datetime) -> int:
    """Store `calls` calls spread over the `days` days up to `last`, as `record_call` would
    leave them (ledger items and day rollups), written in batches: a thousand transactions
    through moto take minutes, and a summary cannot tell how its items were written.
    Answers the cost of the calls on the last day, in micro-dollars."""
    partition = team_partition(team_id)
    per_day: dict[date, list[int]] = {}
    with CallItem.batch_write() as batch:
        for i in range(calls):
            at = last - timedelta(days=i % days)
            record = a_call(team_id, tokens_in=100 + i, at=at)
            batch.save(
                CallItem(
                    ledger_partition(team_id),
                    call_key(new_id()),
                    team_id=team_id,
                    user_id=record.user_id,
                    provider=record.provider,
                    model=record.model,
                    tokens_in=record.tokens_in,
                    tokens_out=record.tokens_out,
                    input_price_per_million=record.input_price_per_million,
                    output_price_per_million=record.output_price_per_million,
                    cost_micros=record.cost_micros,
                    at=at,
                )
            )
            per_day.setdefault(at.date(), [0, 0, 0, 0])
            counts = per_day[at.date()]
            counts[0] += 1
            counts[1] += record.tokens_in
            counts[2] += record.tokens_out
            counts[3] += record.cost_micros
    with RollupItem.batch_write() as batch:
        for day, (count, tokens_in, tokens_out, cost) in per_day.items():
            batch.save(
                RollupItem(
                    partition,
                    day_key(day),
                    team_id=team_id,
                    label=day.isoformat(),
                    calls=count,
                    tokens_in=tokens_in,
                    tokens_out=tokens_out,
                    cost_micros=cost,
                )
            )
    return per_day[last.date()][3]


def test_the_summary_has_all_time_this_month_and_today_in_one_batch_get(
    team: str, dynamodb_reads: list[tuple[str, int]]
) -> None:
    # Given calls last month, earlier this month and today
    record_call(a_call(team, at=NOON - timedelta(days=20)))  # May
    record_call(a_call(team, at=NOON - timedelta(days=3)))
    record_call(a_call(team, tokens_in=3000))
    record_call(a_call(team, tokens_out=0))
    dynamodb_reads.clear()

    # When the summary is read
    result = summary(team, now=NOON)

    # Then
    assert dynamodb_reads == [("BatchGetItem", 3)]
    assert result.total_calls == 4
    assert result.total_tokens_in == 6000
    assert result.total_tokens_out == 1500
    assert result.total_cost_usd == 0.0018
    assert result.avg_cost_per_call == 0.00045
    assert (result.month, result.month_calls, result.month_cost_usd) == ("2030-06", 3, 0.00135)
    assert (result.today, result.today_calls, result.today_cost_usd) == (NOON.date(), 2, 0.0009)


def test_a_team_without_calls_has_a_summary_of_zeros(team: str) -> None:
    result = summary(team, now=NOON)

    assert (result.total_calls, result.total_cost_usd, result.avg_cost_per_call) == (0, 0.0, 0.0)
    assert daily(team, 3, now=NOON)[-1].calls == 0


def test_breakdowns_list_each_provider_model_agent_and_job_in_name_order(team: str) -> None:
    record_call(a_call(team, agent_id="agent-qa", job_id="job-b"))
    record_call(a_call(team, agent_id="agent-dev", job_id="job-a", tokens_in=2000))
    record_call(a_call(team, agent_id="agent-dev", provider="anthropic", model="claude-sonnet"))
    params = PageParams()

    agents, agents_total, _ = by_agent(team, params)
    jobs, _, _ = by_job(team, params)
    providers, _, _ = by_provider(team, params)
    models, _, _ = by_model(team, params)

    assert [(line.name, line.calls, line.tokens_in) for line in agents] == [
        ("agent-dev", 2, 3000),
        ("agent-qa", 1, 1000),
    ]
    assert agents_total == 2
    assert agents[0].cost_usd == 0.00105
    assert agents[0].last_call_at == NOON
    assert [(line.name, line.calls) for line in jobs] == [("job-a", 1), ("job-b", 1)]
    assert [(line.name, line.calls) for line in providers] == [("anthropic", 1), ("openai", 2)]
    assert [line.name for line in models] == ["claude-sonnet", "gpt-4o-mini"]


def test_a_breakdown_pages_with_a_cursor_of_its_own(team: str) -> None:
    for agent in ("agent-a", "agent-b", "agent-c"):
        record_call(a_call(team, agent_id=agent, job_id=f"job-{agent}"))

    first, total, cursor = by_agent(team, PageParams(limit=2))
    second, _, last_cursor = by_agent(team, PageParams(limit=2, cursor=cursor))

    assert total == 3
    assert [line.name for line in first] == ["agent-a", "agent-b"]
    assert [line.name for line in second] == ["agent-c"]
    assert last_cursor is None
    # A cursor of the agent list does not page the job list.
    with pytest.raises(BadRequest):
        by_job(team, PageParams(limit=2, cursor=cursor))


def test_daily_has_one_entry_per_day_oldest_first_with_zeros_between(team: str) -> None:
    # Given calls today, two days ago and five weeks ago (outside the window)
    record_call(a_call(team))
    record_call(a_call(team, tokens_in=2000))
    record_call(a_call(team, at=NOON - timedelta(days=2)))
    record_call(a_call(team, at=NOON - timedelta(days=35)))

    days = daily(team, 30, now=NOON)

    assert len(days) == 30
    assert days[0].date == NOON.date() - timedelta(days=29)
    assert days[-1].date == NOON.date()
    assert [(d.calls, d.cost_usd) for d in days[-3:]] == [(1, 0.00045), (0, 0.0), (2, 0.00105)]
    assert sum(d.calls for d in days) == 3


def test_daily_reads_at_most_one_item_per_day_even_with_400_days_of_history(
    team: str, dynamodb_reads: list[tuple[str, int]]
) -> None:
    # Given more than a year of daily history
    today_cost = seed_history(team, calls=400, days=400, last=NOON)
    dynamodb_reads.clear()

    # When the last 30 days are asked for
    days = daily(team, 30, now=NOON)

    # Then one Query read 30 day rollups, and nothing else was read
    assert dynamodb_reads == [("Query", 30)]
    assert len(days) == 30
    assert all(d.calls == 1 for d in days)
    assert days[-1].cost_usd == today_cost / 1_000_000


def test_daily_costs_the_same_with_10_calls_as_with_1000(
    dynamodb_reads: list[tuple[str, int]],
) -> None:
    # Given a team with 10 calls and one with 1,000 over the same week
    small, large = f"team-{new_id()}", f"team-{new_id()}"
    try:
        seed_history(small, calls=10, days=7, last=NOON)
        seed_history(large, calls=1000, days=7, last=NOON)
        dynamodb_reads.clear()

        # When each asks for its last 30 days
        small_days = daily(small, 30, now=NOON)
        small_reads = list(dynamodb_reads)
        dynamodb_reads.clear()
        large_days = daily(large, 30, now=NOON)
        large_reads = list(dynamodb_reads)
    finally:
        forget_team(small)
        forget_team(large)

    # Then both took one Query of the same seven day rollups
    assert small_reads == large_reads == [("Query", 7)]
    assert sum(d.calls for d in small_days) == 10
    assert sum(d.calls for d in large_days) == 1000


@pytest.mark.parametrize("days", [0, 366])
def test_daily_refuses_a_window_outside_1_to_365_days(team: str, days: int) -> None:
    with pytest.raises(BadRequest):
        daily(team, days, now=NOON)

"""Seed 001's agent activity feed (GET /agents/activity): the team's agents' model calls
from the cost ledger, newest first, named; calls without an agent and other teams' are
left out; `limit` is 1 to 500."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from shared.agents.schemas import AgentCreate
from shared.agents.service import create_agent
from shared.costs.calls import CallRecord
from shared.costs.ledger import record_call
from shared.ids import new_id, utcnow
from tests.api.test_costs_api import bearer
from tests.factories import assert_error

ACTIVITY = "/api/v1/agents/activity"


@pytest.fixture(scope="module")
def client(aws: None) -> Iterator[TestClient]:
    from functions.agents.app import app

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def call(team_id: str, minutes_ago: int, *, agent_id: str | None, job_id: str | None = None) -> str:
    return record_call(
        CallRecord(
            team_id=team_id,
            user_id="u-1",
            provider="openai",
            model="gpt-4o",
            tokens_in=1_000,
            tokens_out=500,
            input_price_per_million=2.0,
            output_price_per_million=4.0,
            agent_id=agent_id,
            job_id=job_id,
            at=utcnow() - timedelta(minutes=minutes_ago),
        ),
        call_id=new_id(),
    )


def test_the_feed_is_the_agents_calls_newest_first(client: TestClient) -> None:
    team = f"activity-{new_id()}"
    agent = create_agent(
        team, AgentCreate(name="Dev agent", role="dev", llm_provider="openai", llm_model="gpt-4o")
    )
    oldest = call(team, 3, agent_id=agent.id, job_id="job-1")
    call(team, 2, agent_id=None)  # a chat call: no agent
    middle = call(team, 1, agent_id="gone-agent")
    newest = call(team, 0, agent_id=agent.id)
    call(f"other-{new_id()}", 0, agent_id=agent.id)

    answer = client.get(ACTIVITY, headers=bearer(team, "member", "u-1"))

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["limit"] == 50
    assert [item["id"] for item in body["items"]] == [newest, middle, oldest]
    first, second, third = body["items"]
    assert (first["agent_id"], first["agent"], first["action"]) == (
        agent.id,
        "Dev agent",
        "model_call",
    )
    assert (second["agent_id"], second["agent"]) == ("gone-agent", None)
    assert (third["job_id"], third["model"], third["tokens_in"], third["cost_usd"]) == (
        "job-1",
        "gpt-4o",
        1_000,
        0.004,
    )
    limited = client.get(ACTIVITY, headers=bearer(team), params={"limit": 1}).json()
    assert [item["id"] for item in limited["items"]] == [newest]


@pytest.mark.parametrize("limit", [0, 501, "many"])
def test_a_limit_outside_1_to_500_is_422(client: TestClient, limit: object) -> None:
    assert_error(client.get(ACTIVITY, headers=bearer("activity-x"), params={"limit": limit}), 422)


def test_the_feed_needs_a_caller(client: TestClient) -> None:
    assert_error(client.get(ACTIVITY), 401)

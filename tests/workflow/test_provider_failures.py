"""A job whose agent's provider fails says why and names who failed: an agent on an
OpenAI-compatible server over real loopback HTTP answers 500, never answers, or answers 200
with something that is not a completion. The job fails with the provider, the kind of
failure, the last status, the start of the provider's words and the attempts, on the job,
the failed phase and the job.failed event; the phase names the agent; the provider's
breaker counted every attempt."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from functions.jobs.app import _phase_public, job_public
from shared.agents import service as agents
from shared.agents.schemas import AgentCreate
from shared.jobs import store
from shared.jobs.domain import AgentRef, Job, PhaseFailure
from shared.llm import breaker
from shared.llm import registry as providers
from shared.llm.registry import clients
from shared.llm.registry.schemas import ProviderCreate
from shared.pagination import PageParams
from shared.pipeline.definition import PHASES_BY_NAME
from tests.factories import event_types, finished, start_job, wait_for
from tests.fake_servers import FakeServer, Reply, fake_openai, openai_chat

pytestmark = [pytest.mark.usefixtures("aws"), pytest.mark.slow]

PROVIDER = "fake-openai"
KEY = "sk-test-key-0123456789"
CHAT = "/v1/chat/completions"
RETRY = PHASES_BY_NAME["ba"].retry
# A short read timeout stands in for the deployed 120 s: the hanging server is not waited on.
READ_TIMEOUT = 0.3


@pytest.fixture
def retry_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Step Functions' waits between retries (moto sleeps them), recorded instead of slept."""
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    waits: list[float] = []
    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=waits.append))
    return waits


@pytest.fixture
def short_read_timeout(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(
        clients, "_build", functools.partial(clients._build, read_timeout=READ_TIMEOUT)
    )
    yield
    clients.forget_clients()


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        "shared.events.publish", lambda type_, detail, **_: sent.append((type_, detail))
    )
    return sent


def failed_job(team: str, server: FakeServer) -> tuple[Job, AgentRef]:
    """A job whose ba phase is served by the agent 'Analyst' on the fake server, once it
    has ended."""
    providers.create(
        team,
        ProviderCreate(
            name=PROVIDER,
            kind="openai",
            base_url=f"{server.url}/v1",
            api_key=KEY,
            default_model="gpt-4o-mini",
        ),
    )
    agents.ensure_defaults(team)
    analyst = agents.create_agent(
        team, AgentCreate(name="Analyst", role="ba", llm_provider=PROVIDER, llm_model="gpt-4o-mini")
    )
    agents.set_config(team, "ba", analyst.id)
    job = start_job(team)
    # The worker records job.failed just after it marks the job failed: wait for both.
    ended = wait_for(
        team,
        job.id,
        lambda current: (
            finished(current)
            and (current.status != "failed" or "job.failed" in event_types(team, current.id))
        ),
    )
    return ended, AgentRef(id=analyst.id, name=analyst.name)


def job_failed_event(team: str, job: Job) -> dict[str, Any]:
    events, _, _ = store.list_events(team, job.id, PageParams(limit=100))
    [failed] = [event for event in events if event.type == "job.failed"]
    return failed.data


def assert_failed_with(
    team: str,
    job: Job,
    agent: AgentRef,
    expected: PhaseFailure,
    published: list[tuple[str, dict[str, Any]]],
) -> None:
    assert job.status == "failed"
    ba = job.phase("ba")
    # The job, the phase and the event carry the same failure and the same sentence.
    assert job.failure == ba.failure == expected
    assert job.error == ba.error
    assert ba.status == "failed"
    assert ba.attempts == expected.attempts
    dumped = expected.model_dump(mode="json")
    assert job_failed_event(team, job)["failure"] == dumped
    [(_, detail)] = [sent for sent in published if sent[0] == "job.failed"]
    assert detail["failure"] == dumped
    assert detail["message"] == job.error
    # The phase names the team's agent that served it; its role is kept apart.
    assert (ba.agent, ba.role) == (agent, "business_analyst")
    assert job.error is not None
    for part in ("ba", "Analyst", PROVIDER, f"{expected.attempts} attempts"):
        assert part in job.error, (part, job.error)
    # The API shows them: the job's and the phase's failure, the phase's agent.
    assert job_public(job)["failure"] == dumped
    shown = _phase_public(ba).model_dump(mode="json")
    assert shown["failure"] == dumped
    assert shown["agent"] == {"id": agent.id, "name": "Analyst"}
    # The breaker counted every failed attempt (under its threshold: none was skipped).
    assert breaker.state_of(team, PROVIDER).failures == expected.attempts
    # Nothing after ba ran.
    assert job.phase("architect").status == "pending"


def test_a_provider_answering_500_fails_the_job_saying_who_and_why(
    retry_waits: list[float], published: list[tuple[str, dict[str, Any]]]
) -> None:
    team = "wf-fail-500"
    attempts = 1 + RETRY.max_attempts
    with fake_openai() as server:
        explained = {"error": {"message": f"upstream exploded (key {KEY})"}}
        server.script("POST", CHAT, *[Reply(500, explained) for _ in range(attempts)])
        job, agent = failed_job(team, server)
        calls = [r for r in server.requests if r.path == CHAT]

    expected = PhaseFailure(
        provider=PROVIDER,
        kind="unavailable",
        status=500,
        message="upstream exploded (key [redacted])",
        attempts=attempts,
    )
    assert_failed_with(team, job, agent, expected, published)
    assert "HTTP 500" in (job.error or "")
    assert KEY not in (job.error or "")
    assert len(calls) == attempts
    assert len(retry_waits) == RETRY.max_attempts


def test_a_provider_that_never_answers_fails_the_job_after_one_retry(
    retry_waits: list[float],
    short_read_timeout: None,
    published: list[tuple[str, dict[str, Any]]],
) -> None:
    team = "wf-fail-hang"
    attempts = 1 + RETRY.timeout_retries
    with fake_openai() as server:
        # Held until the test ends: the client gives up after its read timeout.
        hang = Reply(body=openai_chat(), delay=60)
        server.script("POST", CHAT, *[hang for _ in range(attempts + 1)])
        job, agent = failed_job(team, server)
        calls = [r for r in server.requests if r.path == CHAT]

    failure = job.failure
    assert failure is not None
    expected = PhaseFailure(
        provider=PROVIDER,
        kind="timeout",
        status=None,
        message=failure.message,
        attempts=attempts,
    )
    assert_failed_with(team, job, agent, expected, published)
    assert "no answer in time" in failure.message
    assert "did not answer in time" in (job.error or "")
    assert len(calls) == attempts
    assert retry_waits == [RETRY.interval_seconds]  # one retry, one wait


def test_a_malformed_answer_fails_the_job_naming_the_status_it_came_with(
    retry_waits: list[float], published: list[tuple[str, dict[str, Any]]]
) -> None:
    team = "wf-fail-malformed"
    attempts = 1 + RETRY.max_attempts
    with fake_openai() as server:
        server.script("POST", CHAT, *[Reply(200, "<html>gateway</html>") for _ in range(attempts)])
        job, agent = failed_job(team, server)

    expected = PhaseFailure(
        provider=PROVIDER,
        kind="malformed",
        status=200,
        message="the answer is not JSON",
        attempts=attempts,
    )
    assert_failed_with(team, job, agent, expected, published)

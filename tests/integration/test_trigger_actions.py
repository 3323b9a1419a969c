"""shared.triggers.actions over emulated AWS: a trigger's start_job starts a real job as
POST /jobs does (once per run), run_agent is one routed call in the ledger, webhook is a
signed `trigger.fired` delivery through the outbound machinery; what the team or the
action got wrong is a failed result saying what."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from shared.agents import service as agents
from shared.agents.schemas import AgentCreate
from shared.costs.budget_updates import set_budget
from shared.costs.summaries import summary
from shared.ids import new_id
from shared.jobs import store as jobs
from shared.llm import registry
from shared.llm.providers.templates import MODEL as TEMPLATES_MODEL
from shared.llm.registry import ProviderCreate
from shared.pagination import PageParams
from shared.triggers.actions import OUTPUT_CHARS, ActionResult, is_running, run_action
from shared.triggers.domain import RunAgentAction, StartJobAction, WebhookAction
from shared.webhooks import delivery_store
from shared.webhooks import service as webhooks
from tests.factories import event_types
from tests.fake_servers import FakeServer, Reply, WebhookReceiver, fake_openai, openai_chat

pytestmark = pytest.mark.usefixtures("aws")

OWNER = "user-owner"


def push_event(**data: Any) -> dict[str, Any]:
    """An envelope as the matcher hands it on (hook.received with the sender's body)."""
    return {
        "id": new_id(),
        "type": "hook.received",
        "timestamp": "2026-12-04T09:00:00+00:00",
        "data": {"team_id": "t", "source_id": "s", "event_id": "e", "sender_type": "push"},
        "payload": {"repository": {"name": "todo-api"}, "ref": "refs/heads/main", **data},
    }


def start_job(**job: Any) -> StartJobAction:
    return StartJobAction.model_validate(
        {"type": "start_job", "job": {"name": "Nightly", "platform": "web", **job}}
    )


# --- start_job ---------------------------------------------------------------------------


def test_start_job_starts_a_job_as_post_jobs_does_rendered_from_the_event() -> None:
    team = f"trg-{new_id()}"
    action = start_job(
        name="Build {{event.payload.repository.name}}",
        description="pushed to {{event.payload.ref}}",
    )

    result = run_action(team, OWNER, action, push_event(), run_id=new_id())

    assert result.outcome == "started"
    assert result.error is None
    assert result.job_id is not None
    job = jobs.get_job(team, result.job_id)
    # The route's rules: the slug from the name, the team's settings, the owner its creator
    assert (job.spec.name, job.spec.description) == ("Build todo-api", "pushed to refs/heads/main")
    assert (job.slug, job.created_by, job.spec.platforms) == ("build-todo-api", OWNER, ("web",))
    # and the job is started and announced as any job is
    assert job.execution_arn is not None
    assert "job.created" in event_types(team, job.id)


def test_a_fire_run_again_with_its_run_id_starts_no_second_job() -> None:
    team = f"trg-{new_id()}"
    run_id = new_id()

    first = run_action(team, OWNER, start_job(), None, run_id=run_id)
    again = run_action(team, OWNER, start_job(), None, run_id=run_id)
    other = run_action(team, OWNER, start_job(), None, run_id=new_id())

    assert first == again
    assert other.job_id not in (None, first.job_id)
    listed, total, _ = jobs.list_jobs(team, PageParams(limit=10))
    assert total == 2
    assert {job.id for job in listed} == {first.job_id, other.job_id}


def test_a_job_the_route_would_refuse_is_a_failed_result_naming_why() -> None:
    team = f"trg-{new_id()}"
    # A name of 120 characters is fine as a template, too long once the event fills it in
    action = start_job(name="x" * 90 + "{{event.payload.filler}}")
    event = push_event(filler="y" * 40)

    too_long = run_action(team, OWNER, action, event, run_id=new_id())
    missing = run_action(team, OWNER, start_job(project_id="nope"), None, run_id=new_id())
    no_event = run_action(team, OWNER, start_job(name="{{event.data.slug}}"), None, run_id=new_id())

    assert too_long.outcome == "failed"
    assert too_long.job_id is None
    assert "job.name" in (too_long.error or "")
    assert missing.outcome == "failed"
    assert "no project nope" in (missing.error or "")
    assert no_event.outcome == "failed"
    assert "no event" in (no_event.error or "")
    assert jobs.list_jobs(team, PageParams(limit=10))[1] == 0


def test_is_running_follows_the_job_to_its_end() -> None:
    team = f"trg-{new_id()}"
    started = run_action(team, OWNER, start_job(), None, run_id=new_id())
    assert started.job_id is not None

    assert is_running(team, started.job_id) is True

    def finish(job: Any) -> None:
        job.status = "passed"

    jobs.update_job(team, started.job_id, finish)
    assert is_running(team, started.job_id) is False
    # another team's id, a job never made, no job at all: nothing is running
    assert is_running(f"trg-{new_id()}", started.job_id) is False
    assert is_running(team, new_id()) is False
    assert is_running(team, None) is False


# --- run_agent ---------------------------------------------------------------------------


@pytest.fixture
def openai() -> Iterator[FakeServer]:
    with fake_openai() as server:
        yield server


def agent_on(team: str, provider: str, model: str, **fields: Any) -> str:
    made = agents.create_agent(
        team,
        AgentCreate(
            name="Reviewer", role="review", llm_provider=provider, llm_model=model, **fields
        ),
    )
    return made.id


def test_run_agent_is_one_routed_call_charged_to_the_owner_once_per_run(
    openai: FakeServer,
) -> None:
    team = f"trg-{new_id()}"
    registry.create(
        team,
        ProviderCreate.model_validate(
            {
                "name": "openai-main",
                "kind": "openai",
                "base_url": f"{openai.url}/v1",
                "default_model": "gpt-4o-mini",
            }
        ),
    )
    openai.script("POST", "/v1/chat/completions", Reply(body=openai_chat("Looks fine.")))
    agent_id = agent_on(team, "openai-main", "gpt-4o-mini", system_prompt="Be brief.")
    action = RunAgentAction(
        type="run_agent", agent_id=agent_id, prompt="Review {{event.payload.ref}}"
    )
    run_id = new_id()

    result = run_action(team, OWNER, action, push_event(), run_id=run_id)

    assert result == ActionResult("succeeded", output="Looks fine.")
    [sent] = [r for r in openai.requests if r.path == "/v1/chat/completions"]
    assert sent.body["model"] == "gpt-4o-mini"
    assert sent.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Review refs/heads/main"},
    ]
    spent = summary(team)
    assert spent.total_calls == 1
    assert spent.total_tokens_in == 21
    # The same run again (a redelivered fire) is not charged a second time
    openai.script("POST", "/v1/chat/completions", Reply(body=openai_chat("Looks fine.")))
    run_action(team, OWNER, action, push_event(), run_id=run_id)
    assert summary(team).total_calls == 1


def test_run_agent_keeps_a_long_reply_truncated(openai: FakeServer) -> None:
    team = f"trg-{new_id()}"
    registry.create(
        team,
        ProviderCreate(
            name="openai-main", kind="openai", base_url=f"{openai.url}/v1", default_model="gpt-4o"
        ),
    )
    openai.script("POST", "/v1/chat/completions", Reply(body=openai_chat("z" * 5000)))
    action = RunAgentAction(
        type="run_agent", agent_id=agent_on(team, "openai-main", "gpt-4o"), prompt="go"
    )

    result = run_action(team, OWNER, action, None, run_id=new_id())

    assert result == ActionResult("succeeded", output="z" * OUTPUT_CHARS)


def test_run_agent_on_a_spent_budget_is_a_failed_result_before_any_call() -> None:
    team = f"trg-{new_id()}"
    action = RunAgentAction(
        type="run_agent", agent_id=agent_on(team, "templates", TEMPLATES_MODEL), prompt="hi"
    )

    answered = run_action(team, OWNER, action, None, run_id=new_id())
    set_budget(team, daily_limit=0)
    refused = run_action(team, OWNER, action, None, run_id=new_id())

    assert answered.outcome == "succeeded"
    assert (answered.output or "").startswith("Template generator")
    assert refused.outcome == "failed"
    assert "Team daily budget" in (refused.error or "")
    assert summary(team).total_calls == 1


def test_run_agent_fails_for_a_missing_or_stopped_agent_and_a_failing_provider() -> None:
    team = f"trg-{new_id()}"
    stopped = agent_on(team, "templates", TEMPLATES_MODEL)
    agents.stop_agent(team, stopped)
    other_team = agent_on(f"trg-{new_id()}", "templates", TEMPLATES_MODEL)
    with fake_openai() as server:
        server.script("POST", "/v1/chat/completions", *[Reply(503, {"error": {}})] * 3)
        registry.create(
            team,
            ProviderCreate(
                name="flaky", kind="openai", base_url=f"{server.url}/v1", default_model="gpt-4o"
            ),
        )
        flaky = agent_on(team, "flaky", "gpt-4o")

        def run(agent_id: str) -> ActionResult:
            action = RunAgentAction(type="run_agent", agent_id=agent_id, prompt="hi")
            return run_action(team, OWNER, action, None, run_id=new_id())

        results = [run(new_id()), run(other_team), run(stopped), run(flaky)]

    assert [result.outcome for result in results] == ["failed"] * 4
    assert "not found" in (results[0].error or "")
    assert "not found" in (results[1].error or "")
    assert "stopped" in (results[2].error or "")
    assert "flaky" in (results[3].error or "")
    assert summary(team).total_calls == 0


# --- webhook -----------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


def test_webhook_queues_a_signed_trigger_fired_delivery_once_per_run(
    receiver: WebhookReceiver, pump: Any
) -> None:
    team = f"trg-{new_id()}"
    endpoint = webhooks.create_webhook(team, receiver.endpoint, ["job.failed"], None, True)
    receiver.secrets.append(endpoint.secrets[0].value)
    action = WebhookAction(type="webhook", webhook_id=endpoint.id)
    run_id, event = new_id(), push_event()

    result = run_action(
        team, OWNER, action, event, run_id=run_id, trigger_id="trg-1", trigger_name="on push"
    )
    again = run_action(
        team, OWNER, action, event, run_id=run_id, trigger_id="trg-1", trigger_name="on push"
    )
    pump.drain()

    assert result == again
    assert result.outcome == "succeeded"
    listed, total, _ = delivery_store.list_deliveries(endpoint.id, PageParams(limit=10))
    assert total == 1
    assert listed[0].event_type == "trigger.fired"
    assert listed[0].status == "succeeded"
    assert listed[0].message_id == f"msg_{run_id}"
    # Delivered once, signed with the endpoint's secret, naming the trigger, run and event
    assert len(receiver.requests) == 1
    assert receiver.verified == [{endpoint.secrets[0].value: True}]
    body = json.loads(receiver.requests[0].raw)
    assert body["type"] == "trigger.fired"
    assert body["data"]["trigger_id"] == "trg-1"
    assert body["data"]["name"] == "on push"
    assert body["data"]["run_id"] == run_id
    assert body["data"]["event"]["id"] == event["id"]
    assert "payload" not in body["data"]["event"]  # the sender's body is not forwarded


def test_webhook_of_another_team_or_unknown_or_disabled_is_a_failed_result(
    receiver: WebhookReceiver,
) -> None:
    team = f"trg-{new_id()}"
    theirs = webhooks.create_webhook(f"trg-{new_id()}", receiver.endpoint, ["*"], None, True)
    off = webhooks.create_webhook(team, receiver.endpoint, ["*"], None, False)

    def run(webhook_id: str) -> ActionResult:
        action = WebhookAction(type="webhook", webhook_id=webhook_id)
        return run_action(team, OWNER, action, None, run_id=new_id())

    other, unknown, disabled = run(theirs.id), run(new_id()), run(off.id)

    assert other == ActionResult.failed(f"webhook endpoint {theirs.id} not found")
    assert unknown.outcome == "failed"
    assert "not found" in (unknown.error or "")
    assert disabled.outcome == "failed"
    assert "disabled" in (disabled.error or "")
    for endpoint in (theirs, off):
        assert delivery_store.list_deliveries(endpoint.id, PageParams(limit=10))[1] == 0

"""Jobs call models through the team's router: each phase's configured agent answers (over
real HTTP here), every call lands in the cost ledger, and a spending limit reached inside
a job asks a person to extend the budget instead of failing the job."""

from __future__ import annotations

import pytest

from functions.approvals import service as approvals_service
from functions.jobs.schemas import JobCreate
from functions.jobs.service import create_job
from shared.agents import service as agents
from shared.agents.schemas import AgentCreate
from shared.costs import budget_store, budget_updates, summaries
from shared.errors import Conflict, Forbidden
from shared.jobs import approvals, store
from shared.jobs.domain import NO_CREATOR, Approval, Job
from shared.llm import registry as providers
from shared.llm.registry.schemas import ProviderCreate
from shared.pagination import PageParams
from tests.factories import (
    ScriptedProvider,
    event_types,
    finished,
    reviewer,
    start_job,
    wait_for,
)
from tests.fake_servers import Reply, fake_openai, openai_chat
from tests.workflow.conftest import pending_of

pytestmark = [pytest.mark.usefixtures("aws"), pytest.mark.slow]


def waiting(job: Job) -> bool:
    return job.status == "waiting_approval" or finished(job)


def held_job(team_id: str, **limits: float) -> tuple[Job, Approval]:
    """A job started under a tiny budget (`limits` as PUT /costs/budget takes them), once it
    waits on its budget approval."""
    budget_updates.set_budget(team_id, **limits)
    job = start_job(team_id)
    held = wait_for(team_id, job.id, waiting)
    return held, pending_budget_approval(team_id, job.id)


def pending_budget_approval(team_id: str, job_id: str) -> Approval:
    found = [a for a in pending_of(team_id) if a.job_id == job_id]
    assert len(found) == 1, found
    assert found[0].kind == "budget"
    return found[0]


def test_a_phase_agent_on_a_real_provider_answers_and_is_charged() -> None:
    team = "wf-router"
    with fake_openai() as server:
        server.script(
            "POST",
            "/v1/chat/completions",
            Reply(body=openai_chat("# Requirements\n\nAs a user ...", prompt_tokens=1_000)),
        )
        providers.create(
            team,
            ProviderCreate(
                name="fake-openai",
                kind="openai",
                base_url=f"{server.url}/v1",
                api_key="sk-test-key-0123456789",
                default_model="gpt-4o-mini",
            ),
        )
        agents.ensure_defaults(team)
        analyst = agents.create_agent(
            team,
            AgentCreate(
                name="Analyst",
                role="ba",
                llm_provider="fake-openai",
                llm_model="gpt-4o-mini",
                system_prompt="Write for a small team.",
            ),
        )
        agents.set_config(team, "ba", analyst.id)

        job = start_job(team)
        done = wait_for(team, job.id, finished)

    assert done.status == "passed", done.error
    ba = done.phase("ba")
    assert (ba.provider, ba.model) == ("fake-openai", "gpt-4o-mini-2024-07-18")
    assert ba.tokens_in == 1_000
    assert ba.cost_usd > 0
    # The agent's own instructions reach the model after the phase's.
    [call] = [r for r in server.requests if r.path == "/v1/chat/completions"]
    system = call.body["messages"][0]["content"]
    assert system.startswith("You are a business analyst.")
    assert system.endswith("Write for a small team.")
    # Every other phase used its default agent on the built-in template generator, which
    # counts no tokens: the job's totals are the model's counts alone.
    assert done.phase("architect").provider == "templates"
    assert (done.phase("architect").tokens_in, done.phase("architect").tokens_out) == (None, None)
    assert (done.tokens_in, done.tokens_out) == (ba.tokens_in, ba.tokens_out)
    # The ledger has the job's calls, the agent's and the provider's.
    by_job, _, _ = summaries.by_job(team, PageParams(limit=50))
    assert [line.name for line in by_job] == [job.id]
    assert by_job[0].calls == sum(1 for p in done.phases if p.provider)
    by_agent, _, _ = summaries.by_agent(team, PageParams(limit=50))
    assert analyst.id in {line.name for line in by_agent}


def test_an_exhausted_budget_pauses_the_job_until_an_admin_extends_it(
    provider: ScriptedProvider,
) -> None:
    team = "wf-budget"
    job, approval = held_job(team, daily_limit=0.01)

    assert job.status == "waiting_approval"
    assert job.phase("create").status == "waiting_approval"
    assert provider.requests == []  # refused before any provider was called
    assert approval.phase == "create"
    assert approval.budget is not None
    assert approval.budget.limit == "Team daily budget"
    assert approval.budget.limit_usd == 0.01
    assert "job.budget_exhausted" in event_types(team, job.id)

    with pytest.raises(Forbidden):  # raising a limit is for admins
        approvals_service.approve(reviewer(team), approval.id, new_limit_usd=50)
    with pytest.raises(Conflict):  # a budget approval has no output: 409
        approvals_service.approve(reviewer(team, role="admin"), approval.id, edited_output="x")
    assert approvals.get_approval(team, approval.id).status == "pending"

    approvals_service.approve(reviewer(team, role="admin"), approval.id, new_limit_usd=50)
    done = wait_for(team, job.id, finished)

    assert done.status == "passed", done.error
    assert budget_store.get_budget(team).daily_limit == 50
    assert budget_store.get_budget(team).alert_thresholds == [50, 80, 100]  # left as they were
    decided = approvals.get_approval(team, approval.id)
    assert decided.status == "approved"
    assert decided.budget is not None
    assert decided.budget.new_limit_usd == 50
    assert summaries.summary(team).total_cost_usd > 0


def test_a_refused_budget_extension_fails_the_job_with_the_reason(
    provider: ScriptedProvider,
) -> None:
    team = "wf-budget-no"
    job, approval = held_job(team, monthly_limit=0.01)

    with pytest.raises(Conflict):  # nothing to send back to: 409
        approvals_service.reject(team, approval.id, "r1", "no", send_back=True)
    approvals_service.reject(team, approval.id, "r1", "too expensive", send_back=False)
    done = wait_for(team, job.id, finished)

    assert done.status == "failed"
    assert done.error == (
        "create stopped at the team monthly budget; a reviewer did not extend it: too expensive"
    )


def test_approving_without_a_new_limit_asks_again_while_the_budget_is_exhausted(
    provider: ScriptedProvider,
) -> None:
    team = "wf-budget-again"
    job, first = held_job(team, daily_limit=0.01)

    with pytest.raises(Conflict):  # not above what was spent: it would stop at once
        approvals_service.approve(reviewer(team, role="admin"), first.id, new_limit_usd=0.0)
    approvals_service.approve(reviewer(team), first.id)  # anyone may let it try again

    def asked_again(current: Job) -> bool:
        pending = pending_of(team)
        return any(a.job_id == job.id and a.id != first.id for a in pending) or finished(current)

    wait_for(team, job.id, asked_again)
    second = pending_budget_approval(team, job.id)
    assert second.id != first.id
    assert second.phase == "create"
    assert store.get_job(team, job.id).phase("create").attempts == 2


def test_a_job_with_no_recorded_creator_is_charged_to_the_system(
    provider: ScriptedProvider,
) -> None:
    team = "wf-no-creator"
    request = JobCreate(name="Todo list", platform="web", features="notes")
    job = create_job(team, None, request)

    done = wait_for(team, job.id, finished)

    assert done.status == "passed", done.error
    assert summaries.user_usage(team, NO_CREATOR).calls > 0

"""Workflow runs end to end on the local runtime: POST /workflows/{id}/run starts an
execution of the workflows state machine (moto's interpreter, the real document), whose
step worker creates agent tasks the task runner answers through the pump (built-in
template provider); a step starts only once its dependencies passed, a failed step fails
its dependents and the run but never its siblings, and a cancel stops the execution and
cancels the run's running task; a wait step ends when its delayed message arrives (a
driven clock)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine

from shared.workflows import runs
from tests.api.test_tasks_api import make_agent, task_of
from tests.api.test_workflows_api import WORKFLOWS, add_step, make_workflow
from tests.factories import Account, assert_error


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


def start(account: Account, workflow_id: str) -> str:
    answer = account.client.post(f"{WORKFLOWS}/{workflow_id}/run", headers=account.headers)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["run_id"])


def run_of(account: Account, workflow_id: str, run_id: str) -> dict[str, Any]:
    answer = account.client.get(f"{WORKFLOWS}/{workflow_id}/runs/{run_id}", headers=account.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def wait_until(pump: Any, check: Callable[[], bool], seconds: float = 20) -> None:
    """Pump the queues until `check` holds. moto's interpreter runs the execution on its
    own threads: this polls them, bounded (nothing here waits on a clock)."""
    deadline = time.monotonic() + seconds
    while True:
        pump.drain()
        if check():
            return
        assert time.monotonic() < deadline, "the run did not get there"
        time.sleep(0.02)


def ended(account: Account, workflow_id: str, run_id: str, pump: Any) -> dict[str, Any]:
    wait_until(pump, lambda: run_of(account, workflow_id, run_id)["status"] != "running")
    return run_of(account, workflow_id, run_id)


def by_name(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in run["steps"]}


def test_a_run_passes_each_step_after_its_dependencies(
    admin: Account, pump: Any, published: list[tuple[str, dict[str, Any]]]
) -> None:
    agent = make_agent(admin)
    workflow = make_workflow(admin)["id"]
    add_step(
        admin,
        workflow,
        "draft",
        step_type="agent_task",
        agent_id=agent,
        config={"instructions": "Draft the notes"},
    )
    add_step(
        admin,
        workflow,
        "review",
        step_type="agent_task",
        agent_id=agent,
        config={"instructions": "Review the draft"},
        depends_on=["draft"],
    )
    add_step(admin, workflow, "pause", step_type="wait", config={"seconds": 0})

    run_id = start(admin, workflow)
    run = ended(admin, workflow, run_id, pump)

    assert run["status"] == "completed", run
    steps = by_name(run)
    assert {name: step["status"] for name, step in steps.items()} == {
        "draft": "passed",
        "review": "passed",
        "pause": "passed",
    }
    draft, review = (
        task_of(admin, steps["draft"]["task_id"]),
        task_of(admin, steps["review"]["task_id"]),
    )
    assert draft["status"] == review["status"] == "completed"
    assert steps["review"]["output"]["result"] == review["result"]
    # review's task was created only once draft's had ended.
    assert review["created_at"] >= draft["completed_at"]
    kinds = [kind for kind, _ in published if kind.startswith("workflow.")]
    assert kinds == ["workflow.run.started", "workflow.run.completed"]

    listed = admin.client.get(f"{WORKFLOWS}/{workflow}/runs", headers=admin.headers).json()
    assert [item["run_id"] for item in listed["items"]] == [run_id]


def test_a_failed_step_fails_its_dependents_and_the_run_not_its_siblings(
    admin: Account, pump: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        runs, "webhook_transport", httpx.MockTransport(lambda request: httpx.Response(500))
    )
    agent = make_agent(admin)
    workflow = make_workflow(admin)["id"]
    add_step(
        admin, workflow, "notify", step_type="webhook", config={"url": "http://127.0.0.1:9/hook"}
    )
    add_step(
        admin,
        workflow,
        "after",
        step_type="agent_task",
        agent_id=agent,
        config={"instructions": "x"},
        depends_on=["notify"],
    )
    add_step(admin, workflow, "last", step_type="wait", config={"seconds": 0}, depends_on=["after"])
    add_step(
        admin,
        workflow,
        "sibling",
        step_type="agent_task",
        agent_id=agent,
        config={"instructions": "y"},
    )

    run = ended(admin, workflow, start(admin, workflow), pump)

    assert run["status"] == "failed"
    steps = by_name(run)
    assert steps["notify"]["status"] == "failed"
    assert steps["notify"]["error"] == "WebhookFailed: HTTP 500"
    for name in ("after", "last"):
        assert steps[name]["status"] == "failed"
        assert steps[name]["error"].startswith("DependencyFailed")
        assert steps[name]["task_id"] is None  # never started
    assert steps["sibling"]["status"] == "passed"
    assert task_of(admin, steps["sibling"]["task_id"])["status"] == "completed"


def test_cancel_stops_the_run_and_cancels_its_running_task(admin: Account, pump: Any) -> None:
    from shared.aws import client

    agent = make_agent(admin)
    workflow = make_workflow(admin)["id"]
    add_step(
        admin,
        workflow,
        "long",
        step_type="agent_task",
        agent_id=agent,
        config={"instructions": "z"},
    )
    run_id = start(admin, workflow)
    # The step's task exists (queued; the pump is not drained so it does not run).
    deadline = time.monotonic() + 20
    while run_of(admin, workflow, run_id)["steps"][0]["task_id"] is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)

    answer = admin.client.post(
        f"{WORKFLOWS}/{workflow}/runs/{run_id}/cancel", headers=admin.headers
    )
    assert answer.status_code == 200, answer.text
    run = answer.json()
    assert run["status"] == "cancelled"
    assert run["steps"][0]["status"] == "cancelled"
    assert task_of(admin, run["steps"][0]["task_id"])["status"] == "cancelled"
    # Stopped (moto's interpreter reports a stopped execution that a token answer reached
    # afterwards as FAILED rather than ABORTED): it ends, and ending records nothing more.
    sfn = client("stepfunctions")
    arn = runs.execution_arn(run_id)
    wait_until(pump, lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING")
    pump.drain()  # the cancelled task's message is dropped; the run stays cancelled
    assert run_of(admin, workflow, run_id)["status"] == "cancelled"
    again = admin.client.post(f"{WORKFLOWS}/{workflow}/runs/{run_id}/cancel", headers=admin.headers)
    assert_error(again, 409)


def test_an_empty_workflow_is_not_run_and_runs_are_the_teams_own(
    admin: Account, new_account: Callable[..., Account], pump: Any
) -> None:
    empty = make_workflow(admin)["id"]
    refused = admin.client.post(f"{WORKFLOWS}/{empty}/run", headers=admin.headers)
    assert_error(refused, 422)
    assert "no steps" in refused.json()["detail"]

    workflow = make_workflow(admin)["id"]
    add_step(admin, workflow, "pause", step_type="wait", config={"seconds": 0})
    run_id = start(admin, workflow)
    assert ended(admin, workflow, run_id, pump)["status"] == "completed"
    other = new_account()
    path = f"{WORKFLOWS}/{workflow}/runs/{run_id}"
    assert_error(other.client.get(path, headers=other.headers), 404)
    assert_error(other.client.post(f"{WORKFLOWS}/{workflow}/run", headers=other.headers), 404)
    assert_error(other.client.post(f"{path}/cancel", headers=other.headers), 404)
    # The run is not found under another workflow of the team either.
    assert_error(admin.client.get(f"{WORKFLOWS}/{empty}/runs/{run_id}", headers=admin.headers), 404)


def test_a_wait_step_ends_when_its_delayed_message_arrives(admin: Account, pump: Any) -> None:
    workflow = make_workflow(admin)["id"]
    add_step(admin, workflow, "pause", step_type="wait", config={"seconds": 60})
    add_step(
        admin, workflow, "after", step_type="wait", config={"seconds": 0}, depends_on=["pause"]
    )
    with time_machine.travel(datetime.now(UTC), tick=True) as clock:
        run_id = start(admin, workflow)
        wait_until(
            pump, lambda: by_name(run_of(admin, workflow, run_id))["pause"]["status"] == "running"
        )
        pump.drain()  # nothing is due: the wait's message is delayed a minute
        run = run_of(admin, workflow, run_id)
        assert run["status"] == "running"
        assert by_name(run)["after"]["status"] == "waiting"

        clock.shift(timedelta(seconds=61))
        run = ended(admin, workflow, run_id, pump)
    assert run["status"] == "completed"
    assert by_name(run)["pause"]["output"] == {"waited_seconds": 60.0}
    assert by_name(run)["after"]["status"] == "passed"


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_an_approval_step_waits_for_the_teams_decision(
    admin: Account, pump: Any, decision: str
) -> None:
    agent = make_agent(admin)
    workflow = make_workflow(admin)["id"]
    add_step(admin, workflow, "sign-off", step_type="approval", config={"title": "Ship it?"})
    add_step(
        admin,
        workflow,
        "announce",
        step_type="agent_task",
        agent_id=agent,
        config={"instructions": "Announce the release"},
        depends_on=["sign-off"],
    )
    run_id = start(admin, workflow)

    # The request shows in the team's queue, and nothing after it starts until decided.
    def queued() -> list[dict[str, Any]]:
        answer = admin.client.get("/api/v1/approvals", headers=admin.headers)
        return list(answer.json()["items"])

    wait_until(pump, lambda: len(queued()) == 1)
    [request] = queued()
    assert (request["kind"], request["title"]) == ("request", "Ship it?")
    assert request["payload"]["run_id"] == run_id
    assert by_name(run_of(admin, workflow, run_id))["announce"]["status"] != "passed"

    decided = admin.client.post(
        f"/api/v1/approvals/{request['id']}/{decision}?reason=not+now", headers=admin.headers
    )
    assert decided.status_code == 200, decided.text
    run = ended(admin, workflow, run_id, pump)

    steps = by_name(run)
    if decision == "approve":
        assert run["status"] == "completed", run
        assert steps["sign-off"]["status"] == steps["announce"]["status"] == "passed"
    else:
        assert run["status"] == "failed", run
        assert steps["sign-off"]["status"] == "failed"
        assert steps["announce"]["status"] == "failed"
        assert steps["announce"].get("task_id") is None  # never started

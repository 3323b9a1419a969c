"""task_runner through the local pump: a failing provider ends the task failed, a
consumer failing every receive ends it failed with its message dead-lettered, a task
cancelled while it runs keeps `cancelled`, and a task a workflow waits on answers its
Step Functions task token however it ends."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from botocore.exceptions import ClientError

from shared.llm.types import Completion, CompletionRequest, Pricing, ProviderError
from shared.tasks import callbacks, service
from shared.tasks.requests import TaskCreate
from tests.api.test_tasks_api import add_task, make_agent, task_of
from tests.factories import Account


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


class Failing:
    """A provider that is down: every call fails as unavailable."""

    name = kind = "templates"

    def complete(self, request: CompletionRequest) -> Completion:
        raise ProviderError("503 from upstream", kind="unavailable", provider="templates")

    def pricing(self, model: str) -> Pricing:
        return Pricing()


class Recorder:
    """Step Functions' task-token calls, recorded (or refused with `refuse`)."""

    def __init__(self, refuse: str | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refuse = refuse

    def _call(self, name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        if self.refuse:
            raise ClientError({"Error": {"Code": self.refuse, "Message": "gone"}}, name)
        self.calls.append((name, kwargs))
        return {}

    def send_task_success(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("success", kwargs)

    def send_task_failure(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("failure", kwargs)


@pytest.fixture
def sfn(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    import shared.aws

    recorder = Recorder()
    real = shared.aws.client

    def client(name: str, *args: Any, **kwargs: Any) -> Any:
        return recorder if name == "stepfunctions" else real(name, *args, **kwargs)

    monkeypatch.setattr(shared.aws, "client", client)
    return recorder


def test_a_failing_provider_fails_the_task_with_the_reason(
    admin: Account, pump: Any, monkeypatch: pytest.MonkeyPatch, published: list[Any]
) -> None:
    from shared.llm import team_router

    monkeypatch.setattr(team_router, "client_for", lambda *args: Failing())
    task_id = add_task(admin, agent_id=make_agent(admin)).json()["id"]
    pump.drain()

    task = task_of(admin, task_id)
    assert task["status"] == "failed"
    assert task["result"] is None
    assert "503 from upstream" in task["error"]
    assert [k for k, d in published if d.get("task_id") == task_id][-1] == "task.failed"


def test_a_runner_failing_every_receive_fails_the_task_and_dead_letters_it(
    admin: Account,
    pump: Any,
    clock: time_machine.Traveller,
    monkeypatch: pytest.MonkeyPatch,
    token_for: Callable[..., dict[str, str]],
) -> None:
    from shared.queues import QUEUES_BY_KEY
    from shared.tasks import runs

    def broken(task: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(runs, "_run", broken)
    task_id = add_task(admin, agent_id=make_agent(admin)).json()["id"]
    spec = QUEUES_BY_KEY["task-runs"]
    for receive in range(spec.max_receive_count + 1):
        pump.drain()
        if receive < spec.max_receive_count - 1:
            # Put back to queued for the next receive, not left running.
            assert task_of(admin, task_id)["status"] == "queued"
        clock.shift(timedelta(seconds=spec.visibility_timeout_seconds + 1))

    task = task_of(admin, task_id)
    assert task["status"] == "failed"
    assert task["error"] == "the task runner failed (RuntimeError)"
    items = admin.client.get(
        "/api/v1/dead-letter", headers=token_for(admin.team_id), params={"source": "task-runs"}
    ).json()["items"]
    assert [item["payload"] for item in items] == [{"team_id": admin.team_id, "task_id": task_id}]


def test_a_task_cancelled_while_it_runs_keeps_cancelled(
    admin: Account, pump: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.llm.router import Router

    real = Router.complete
    holder: dict[str, str] = {}

    def cancelling(self: Router, *args: Any, **kwargs: Any) -> Any:
        service.cancel_task(admin.team_id, holder["id"])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Router, "complete", cancelling)
    holder["id"] = add_task(admin, agent_id=make_agent(admin)).json()["id"]
    pump.drain()

    task = task_of(admin, holder["id"])
    assert task["status"] == "cancelled"
    assert task["result"] is None
    stats = admin.client.get("/api/v1/tasks/stats", headers=admin.headers).json()
    assert stats["by_status"] == {"cancelled": 1}


def test_a_workflows_task_answers_its_token_when_it_ends(
    admin: Account, pump: Any, sfn: Recorder
) -> None:
    request = TaskCreate(title="Step", instructions="Do the step", agent_id=make_agent(admin))
    task = service.create_task(admin.team_id, admin.user_id, request, task_token="token-1")
    assert "task_token" not in task_of(admin, task.id)
    pump.drain()

    [(kind, sent)] = sfn.calls
    assert kind == "success"
    assert sent["taskToken"] == "token-1"
    output = json.loads(sent["output"])
    assert output["task_id"] == task.id
    assert output["status"] == "completed"
    assert output["result"] == task_of(admin, task.id)["result"]

    pending = service.create_task(
        admin.team_id, admin.user_id, TaskCreate(title="Wait", instructions="i"), task_token="t2"
    )
    service.cancel_task(admin.team_id, pending.id)
    assert sfn.calls[-1] == (
        "failure",
        {"taskToken": "t2", "error": "TaskCancelled", "cause": "cancelled"},
    )


@pytest.mark.parametrize("code", ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"])
def test_an_execution_no_longer_waiting_is_ignored(code: str, sfn: Recorder) -> None:
    from shared.tasks.domain import Task

    sfn.refuse = code
    ended = Task(team_id="t", id="i", title="x", instructions="y", status="failed", task_token="k")
    callbacks.report(ended)  # does not raise

    sfn.refuse = "ThrottlingException"
    with pytest.raises(ClientError):
        callbacks.report(ended)


def test_a_run_lost_with_its_invocation_is_claimed_again_only_once_stale(
    admin: Account, clock: time_machine.Traveller
) -> None:
    from shared.tasks import runs, store
    from shared.tasks.domain import STALE_RUN

    request = TaskCreate(title="Lost", instructions="i", agent_id=make_agent(admin))
    task = service.create_task(admin.team_id, admin.user_id, request)
    # A receive claimed it and its invocation died before it ended.
    claimed = service.start(task)
    assert claimed is not None

    fresh = runs.run_task(admin.team_id, task.id)
    assert fresh is not None
    assert fresh.status == "running", "a run still in its time is left alone"

    clock.shift(STALE_RUN + timedelta(seconds=1))
    again = runs.run_task(admin.team_id, task.id)
    assert again is not None
    assert again.status == "completed"
    stored = store.get_task(admin.team_id, task.id)
    assert stored is not None
    assert stored.result == again.result


def test_patch_of_the_stats_resource_is_405(admin: Account) -> None:
    answer = admin.client.patch("/api/v1/tasks/stats", headers=admin.headers, json={})
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET"

"""The workflows state machine document (shared.workflows.asl) on moto 5.2.5's Step
Functions interpreter, with a scripted step worker: every step's iteration runs at once,
a step runs only once its token is answered, a failed step ends in Failed (its error
recorded) without stopping its siblings, and Settle always runs last."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from shared.aws import client
from shared.workflows.asl import build_definition
from tools.local.emulator import register_function

pytestmark = pytest.mark.usefixtures("aws")

WORKER = "factory-test-workflow-step-scripted"
ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{WORKER}"


class ScriptedWorker:
    """Answers `await` at once except for the steps held; `start` passes a step unless it
    is told to fail it."""

    def __init__(self, held: set[str], failing: set[str]) -> None:
        self.held, self.failing = held, failing
        self.calls: list[dict[str, Any]] = []
        self.tokens: dict[str, str] = {}
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self.lock:
            self.calls.append(event)
        sfn = client("stepfunctions")
        step, action = event.get("step_id"), event["action"]
        if action == "await":
            if step in self.held:
                self.tokens[step] = event["task_token"]
            else:
                sfn.send_task_success(taskToken=event["task_token"], output="{}")
        elif action == "start":
            if step in self.failing:
                sfn.send_task_failure(
                    taskToken=event["task_token"], error="WebhookFailed", cause="HTTP 500"
                )
            else:
                output = json.dumps({"step": step})
                sfn.send_task_success(taskToken=event["task_token"], output=output)
        return {}

    def actions(self, action: str) -> dict[str, dict[str, Any]]:
        return {call["step_id"]: call for call in self.calls if call["action"] == action}


def _wait_for(predicate: Any, seconds: float = 10) -> None:
    # The interpreter runs the execution on threads of its own: poll it, bounded.
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "the execution did not get there"
        time.sleep(0.01)


def test_steps_run_in_parallel_and_a_failure_spares_its_siblings() -> None:
    worker = ScriptedWorker(held={"c"}, failing={"b"})
    register_function(WORKER, worker)
    sfn = client("stepfunctions")
    machine = sfn.create_state_machine(
        name="workflows-under-test",
        definition=json.dumps(build_definition(ARN)),
        roleArn="arn:aws:iam::123456789012:role/workflows",
    )["stateMachineArn"]
    execution = sfn.start_execution(
        stateMachineArn=machine,
        name="run-1",
        input=json.dumps({"team_id": "t1", "run_id": "run-1", "steps": ["a", "b", "c"]}),
    )["executionArn"]

    # c waits on its token (a dependency not passed yet) while a and b go on.
    _wait_for(
        lambda: (
            "c" in worker.tokens
            and {"a", "b"} <= worker.actions("failed").keys() | worker.actions("passed").keys()
        )
    )
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    assert "settle" not in {call["action"] for call in worker.calls}
    assert worker.actions("passed")["a"]["output"] == {"step": "a"}
    assert worker.actions("failed")["b"]["error"]["Error"] == "WebhookFailed"

    # Its dependency failed: c's wait is failed, c is recorded failed, the run settles.
    sfn.send_task_failure(taskToken=worker.tokens["c"], error="DependencyFailed", cause="b")
    _wait_for(lambda: sfn.describe_execution(executionArn=execution)["status"] != "RUNNING")
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
    assert worker.actions("failed")["c"]["error"]["Error"] == "DependencyFailed"
    assert "start" not in {c["action"] for c in worker.calls if c.get("step_id") == "c"}
    assert worker.calls[-1] == {"action": "settle", "team_id": "t1", "run_id": "run-1"}

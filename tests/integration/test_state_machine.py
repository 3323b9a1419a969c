"""The generation state machine's control flow, run by the local Step Functions
interpreter with a scripted worker standing in for the real one."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from shared.aws import client
from shared.pipeline.asl import build_definition
from shared.pipeline.definition import (
    MODEL_CALL_SECONDS,
    MODEL_READ_TIMEOUT_SECONDS,
    PHASE_NAMES,
    PHASES,
    PHASES_BY_NAME,
)
from tools.local.emulator import ACCOUNT_ID, register_function

pytestmark = pytest.mark.usefixtures("aws")

WORKER = "asl-test-worker"
ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/local-states"


class TransientPhaseError(Exception):
    pass


class PhaseFailed(Exception):
    pass


class ProviderTimedOut(TransientPhaseError):
    pass


@dataclass
class ScriptedWorker:
    """Answers each action as scripted and records every call."""

    outcomes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    raises: dict[str, list[Exception]] = field(default_factory=dict)
    calls: list[tuple[str, str | None]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    # The `budget` of each approval request (None for a gate).
    approval_budgets: list[Any] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        action, phase = event["action"], event.get("phase")
        self.calls.append((action, phase))
        if action == "request_approval":
            self.tokens.append(event["task_token"])
            self.approval_budgets.append(event.get("budget"))
            return {}
        if action == "fail":
            self.failures.append(event["error"])
            return {}
        if action != "run":
            return {}
        if self.raises.get(phase):
            raise self.raises[phase].pop(0)
        scripted = self.outcomes.get(phase)
        answer = scripted.pop(0) if scripted else {}
        return {"outcome": "passed", "gate": False, "recheck": False, "budget": None, **answer}

    def phases_run(self) -> list[str]:
        return [phase for action, phase in self.calls if action == "run" and phase]


@pytest.fixture
def worker() -> ScriptedWorker:
    scripted = ScriptedWorker()
    register_function(WORKER, scripted)
    return scripted


@pytest.fixture(scope="module")
def machine_arn() -> str:
    definition = build_definition(f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{WORKER}")
    created = client("stepfunctions").create_state_machine(
        name="generation-under-test", definition=json.dumps(definition), roleArn=ROLE
    )
    return str(created["stateMachineArn"])


def start(machine_arn: str, start_from: str = "create") -> str:
    execution = client("stepfunctions").start_execution(
        stateMachineArn=machine_arn,
        name=uuid.uuid4().hex,
        input=json.dumps({"team_id": "t1", "job_id": "j1", "start_from": start_from}),
    )
    return str(execution["executionArn"])


def wait_until(predicate: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def finish(execution_arn: str) -> str:
    sfn = client("stepfunctions")
    status: dict[str, str] = {}

    def done() -> bool:
        status["value"] = sfn.describe_execution(executionArn=execution_arn)["status"]
        return status["value"] != "RUNNING"

    wait_until(done)
    return status["value"]


def test_every_phase_runs_in_order_then_the_job_completes(
    machine_arn: str, worker: ScriptedWorker
) -> None:
    worker.outcomes["backend"] = [{"outcome": "skipped"}]

    assert finish(start(machine_arn)) == "SUCCEEDED"
    assert worker.phases_run() == list(PHASE_NAMES)
    assert worker.calls[-1] == ("complete", None)


def test_a_retry_starts_at_the_named_phase(machine_arn: str, worker: ScriptedWorker) -> None:
    assert finish(start(machine_arn, start_from="dev")) == "SUCCEEDED"
    assert worker.phases_run() == list(PHASE_NAMES[PHASE_NAMES.index("dev") :])


def test_repair_loops_back_to_qa_until_it_is_clean(
    machine_arn: str, worker: ScriptedWorker
) -> None:
    worker.outcomes["repair"] = [{"recheck": True}, {"recheck": True}, {"outcome": "skipped"}]

    assert finish(start(machine_arn, start_from="qa")) == "SUCCEEDED"
    assert worker.phases_run()[:8] == [
        "qa",
        "refactor",
        "repair",
        "qa",
        "repair",
        "qa",
        "repair",
        "runtime",
    ]


def test_a_gate_waits_for_approval_then_goes_on(machine_arn: str, worker: ScriptedWorker) -> None:
    worker.outcomes["architect"] = [{"gate": True}]
    execution = start(machine_arn, start_from="architect")

    wait_until(lambda: bool(worker.tokens))
    assert client("stepfunctions").describe_execution(executionArn=execution)["status"] == (
        "RUNNING"
    )
    client("stepfunctions").send_task_success(
        taskToken=worker.tokens[0], output=json.dumps({"decision": "approved"})
    )

    assert finish(execution) == "SUCCEEDED"
    assert worker.phases_run()[:2] == ["architect", "uiux"]


def test_revise_runs_the_phase_again(machine_arn: str, worker: ScriptedWorker) -> None:
    worker.outcomes["architect"] = [{"gate": True}, {"gate": True}]
    execution = start(machine_arn, start_from="architect")
    sfn = client("stepfunctions")

    wait_until(lambda: len(worker.tokens) == 1)
    sfn.send_task_success(taskToken=worker.tokens[0], output=json.dumps({"decision": "revise"}))
    wait_until(lambda: len(worker.tokens) == 2)
    sfn.send_task_success(taskToken=worker.tokens[1], output=json.dumps({"decision": "approved"}))

    assert finish(execution) == "SUCCEEDED"
    assert worker.phases_run()[:3] == ["architect", "architect", "uiux"]


def test_a_rejection_fails_the_job(machine_arn: str, worker: ScriptedWorker) -> None:
    worker.outcomes["reviewer"] = [{"gate": True}]
    execution = start(machine_arn, start_from="reviewer")

    wait_until(lambda: bool(worker.tokens))
    client("stepfunctions").send_task_failure(
        taskToken=worker.tokens[0], error="ApprovalRejected", cause="the report misses auth"
    )

    assert finish(execution) == "FAILED"
    # The reason itself is stored by the approvals service before it fails the task
    # (moto's interpreter drops a task failure's cause; AWS passes it on).
    assert worker.failures[0]["Error"] == "ApprovalRejected"
    assert ("export", "run") not in [(p, a) for a, p in worker.calls]


def test_cancel_at_a_phase_boundary_stops_the_job(machine_arn: str, worker: ScriptedWorker) -> None:
    worker.outcomes["dev"] = [{"outcome": "cancelled"}]

    assert finish(start(machine_arn)) == "SUCCEEDED"
    assert worker.phases_run()[-1] == "dev"
    assert worker.calls[-1] == ("cancelled", None)


@pytest.mark.slow
def test_a_transient_error_is_retried(machine_arn: str, worker: ScriptedWorker) -> None:
    worker.raises["security"] = [TransientPhaseError("provider answered 503")]

    assert finish(start(machine_arn, start_from="security")) == "SUCCEEDED"
    assert worker.phases_run()[:2] == ["security", "security"]


def test_a_phase_that_fails_for_good_fails_the_job(
    machine_arn: str, worker: ScriptedWorker
) -> None:
    worker.raises["dev"] = [PhaseFailed("the model returned no files")]

    assert finish(start(machine_arn, start_from="dev")) == "FAILED"
    assert worker.failures[0]["Error"] == "PhaseFailed"
    assert "no files" in worker.failures[0]["Cause"]
    assert worker.phases_run() == ["dev"]


HOLD = {"limit": "Team daily budget", "spent_usd": 5.0, "limit_usd": 5.0}


def test_an_exhausted_budget_waits_for_approval_then_runs_the_phase_again(
    machine_arn: str, worker: ScriptedWorker
) -> None:
    worker.outcomes["uiux"] = [{"outcome": "budget_exhausted", "budget": HOLD}]
    execution = start(machine_arn, start_from="uiux")

    wait_until(lambda: bool(worker.tokens))
    assert worker.approval_budgets == [HOLD]  # what the approval asks, passed on
    client("stepfunctions").send_task_success(
        taskToken=worker.tokens[0], output=json.dumps({"decision": "approved"})
    )

    assert finish(execution) == "SUCCEEDED"
    assert worker.phases_run()[:3] == ["uiux", "uiux", "dev"]


def test_a_refused_budget_fails_the_job(machine_arn: str, worker: ScriptedWorker) -> None:
    worker.outcomes["dev"] = [{"outcome": "budget_exhausted", "budget": HOLD}]
    execution = start(machine_arn, start_from="dev")

    wait_until(lambda: bool(worker.tokens))
    client("stepfunctions").send_task_failure(
        taskToken=worker.tokens[0], error="ApprovalRejected", cause="not this month"
    )

    assert finish(execution) == "FAILED"
    assert worker.failures[0]["Error"] == "ApprovalRejected"
    assert worker.phases_run() == ["dev"]


def test_only_phases_that_call_models_can_wait_for_budget() -> None:
    states = build_definition("arn:worker")["States"]
    budget_states = {name.removesuffix(".budget") for name in states if name.endswith(".budget")}
    assert budget_states == {p.name for p in PHASES if p.uses_model}
    assert "qa.budget" not in states


@pytest.fixture
def retry_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits moto's interpreter makes between retries, recorded instead of slept."""
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    waits: list[float] = []
    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=waits.append))
    return waits


def test_a_provider_timeout_gets_one_retry_where_other_transient_errors_get_three(
    machine_arn: str, worker: ScriptedWorker, retry_waits: list[float]
) -> None:
    worker.raises["ba"] = [ProviderTimedOut("ba: no answer in time") for _ in range(4)]
    worker.raises["architect"] = [TransientPhaseError("ba: HTTP 500") for _ in range(4)]

    assert finish(start(machine_arn, start_from="ba")) == "FAILED"
    assert worker.phases_run() == ["ba"] * (1 + PHASES_BY_NAME["ba"].retry.timeout_retries)
    assert worker.failures[0]["Error"] == "ProviderTimedOut"

    worker.calls.clear()
    retry_waits.clear()
    assert finish(start(machine_arn, start_from="architect")) == "FAILED"
    policy = PHASES_BY_NAME["architect"].retry
    assert worker.phases_run() == ["architect"] * (1 + policy.max_attempts)
    assert retry_waits == [
        policy.interval_seconds * policy.backoff_rate**n for n in range(policy.max_attempts)
    ]


def test_a_phase_deadline_holds_its_model_calls_and_a_dead_provider_fails_in_bounded_time() -> None:
    from functions.registry import PIPELINE_WORKER
    from shared.llm.providers import DEFAULT_READ_TIMEOUT

    # The clients' read timeout is the one the pipeline's deadlines are reckoned with.
    assert DEFAULT_READ_TIMEOUT == MODEL_READ_TIMEOUT_SECONDS
    for phase in PHASES:
        # The worker Lambda outlives every phase's task; a task holds the agent's provider
        # and the fallback both waiting out the read timeout, so it never cuts one short.
        assert phase.timeout_seconds <= PIPELINE_WORKER.timeout_seconds
        if phase.uses_model:
            assert phase.timeout_seconds > 2 * MODEL_CALL_SECONDS, phase.name
    # A provider that never answers (and no fallback) fails a phase within this bound, as
    # docs/architecture.md says: 2 attempts of 125 s and one 2 s wait.
    retry = PHASES_BY_NAME["ba"].retry
    attempts = 1 + retry.timeout_retries
    assert attempts * MODEL_CALL_SECONDS + retry.interval_seconds == 252

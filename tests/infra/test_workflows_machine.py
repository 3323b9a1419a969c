"""The workflows state machine as deployed: the interpreter document invoking only the
workflow step worker, started and stopped by the functions that run workflows, its task
tokens answered by those whose entry says so (by its name's ARN: no reference cycle)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.registry import GROUPS, WORKERS, WORKFLOW_STEP
from infra.constructs.workflows import WORKER_ARN_SUBSTITUTION
from infra.specs import answers_workflow_tokens, runs_workflows
from tests.infra.assembly import Synthesized, arn_of

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]

TOKEN_ACTIONS = ("states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat")


def _arn(resource: str, name: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":states:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":{resource}:{name}",
            ],
        ]
    }


def test_every_task_invokes_the_step_worker_only(dev: Synthesized) -> None:
    workflows = dev.stack.workflows
    props = dev.resource(workflows.state_machine)["Properties"]
    placeholder = "${" + WORKER_ARN_SUBSTITUTION + "}"
    document = json.loads(props["DefinitionString"].replace(placeholder, "arn:worker"))
    names = {
        task["Parameters"]["FunctionName"]
        for task in _tasks(document)
        if "FunctionName" in task.get("Parameters", {})
    }
    assert names == {"arn:worker"}
    worker = dev.stack.workers.functions[WORKFLOW_STEP.name].function
    assert props["DefinitionSubstitutions"] == {
        WORKER_ARN_SUBSTITUTION: arn_of(dev.logical_id(worker))
    }
    assert dev.granted(workflows.role)["lambda:InvokeFunction"] == [arn_of(dev.logical_id(worker))]


def _tasks(state: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(state, dict):
        if state.get("Type") == "Task":
            found.append(state)
        for value in state.values():
            found += _tasks(value)
    elif isinstance(state, list):
        for value in state:
            found += _tasks(value)
    return found


def test_runs_and_tokens_are_granted_by_the_registry_alone(dev: Synthesized) -> None:
    machine = _arn("stateMachine", "factory-dev-workflows")
    for spec in (*GROUPS, *WORKERS):
        built = dev.stack.functions[spec.name]
        granted = dev.granted(built.role)
        environment = dev.resource(built.function)["Properties"]["Environment"]["Variables"]
        # A function may also start jobs' executions (the triggers): the workflows machine
        # is among what it may start exactly when the registry says it runs workflows.
        assert (machine in granted.get("states:StartExecution", [])) is runs_workflows(spec)
        assert ("WORKFLOWS_MACHINE_ARN" in environment) is runs_workflows(spec)
        for action in TOKEN_ACTIONS:
            assert (machine in granted.get(action, [])) is answers_workflow_tokens(spec), (
                spec.name,
                action,
            )
    # Whatever ends a workflow step's task or approval may answer its token.
    for name in ("task_runner", "tasks", "approvals", "workflow_step", "workflow_runner"):
        assert answers_workflow_tokens(dev.stack.functions[name].spec), name

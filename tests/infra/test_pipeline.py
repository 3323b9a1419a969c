"""The generation state machine: shared.pipeline.asl's document, deployed as it is."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.registry import PIPELINE_WORKER
from shared.pipeline.asl import build_definition
from shared.pipeline.definition import PHASE_NAMES
from tests.infra.assembly import Resource, Synthesized, arn_of

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]

PLACEHOLDER = "${WorkerArn}"
STATE_MACHINE_ALARMS = ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionThrottled")


def state_machine(synth: Synthesized) -> Resource:
    # The generation machine; the workflows machine is tested in test_workflows_machine.py.
    return synth.resource(synth.stack.pipeline.state_machine)


def worker_arn(synth: Synthesized) -> dict[str, Any]:
    worker = synth.stack.workers.functions[PIPELINE_WORKER.name]
    return arn_of(synth.logical_id(worker.function))


def lambda_tasks(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        state
        for state in document["States"].values()
        if state["Type"] == "Task" and state["Resource"].startswith("arn:aws:states:::lambda:")
    ]


def test_a_standard_state_machine_named_for_the_stage(synthesized: Synthesized) -> None:
    props = state_machine(synthesized)["Properties"]
    assert props["StateMachineName"] == f"factory-{synthesized.stage}-generation"
    assert props["StateMachineType"] == "STANDARD"


def test_it_deploys_exactly_the_document_the_local_runtime_runs(synthesized: Synthesized) -> None:
    props = state_machine(synthesized)["Properties"]
    document = json.loads(props["DefinitionString"])
    assert document == build_definition(PLACEHOLDER)
    assert set(PHASE_NAMES) <= set(document["States"])
    # CloudFormation puts the pipeline worker's ARN where the document has the placeholder,
    # and the placeholder is the only one.
    assert props["DefinitionSubstitutions"] == {"WorkerArn": worker_arn(synthesized)}
    assert props["DefinitionString"].count("${") == props["DefinitionString"].count(PLACEHOLDER)


def test_after_substitution_every_task_invokes_the_pipeline_worker(dev: Synthesized) -> None:
    props = state_machine(dev)["Properties"]
    arn = "arn:aws:lambda:eu-west-1:111111111111:function:factory-dev-pipeline"
    document = json.loads(props["DefinitionString"].replace(PLACEHOLDER, arn))
    tasks = lambda_tasks(document)
    # One task per phase, qa's recheck, an approval per gateable phase, the end tasks.
    assert len(tasks) > len(PHASE_NAMES)
    assert {task["Parameters"]["FunctionName"] for task in tasks} == {arn}
    for name in PHASE_NAMES:
        assert document["States"][name]["Parameters"]["FunctionName"] == arn
        assert document["States"][name]["Parameters"]["Payload"]["phase"] == name


def test_its_role_may_invoke_only_the_pipeline_worker(synthesized: Synthesized) -> None:
    pipeline = synthesized.stack.pipeline
    props = state_machine(synthesized)["Properties"]
    assert props["RoleArn"] == arn_of(synthesized.logical_id(pipeline.role))
    role = synthesized.resource(pipeline.role)["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "states.amazonaws.com"}
    assert "ManagedPolicyArns" not in role
    granted = synthesized.granted(pipeline.role)
    assert granted["lambda:InvokeFunction"] == [worker_arn(synthesized)]
    # Besides invoking: log delivery and X-Ray, which take no resource ARN. Nothing else.
    others = {action for action in granted if action != "lambda:InvokeFunction"}
    assert others
    assert all(action.startswith(("logs:", "xray:")) for action in others), others
    assert all(granted[action] == ["*"] for action in others)


def test_it_logs_every_event_without_execution_data_and_traces(synthesized: Synthesized) -> None:
    pipeline = synthesized.stack.pipeline
    props = state_machine(synthesized)["Properties"]
    log_group_id = synthesized.logical_id(pipeline.log_group)
    assert props["LoggingConfiguration"] == {
        "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": arn_of(log_group_id)}}],
        "IncludeExecutionData": False,
        "Level": "ALL",
    }
    assert props["TracingConfiguration"] == {"Enabled": True}
    log_group = synthesized.template_json["Resources"][log_group_id]["Properties"]
    assert log_group["LogGroupName"] == (
        f"/aws/vendedlogs/states/factory-{synthesized.stage}-generation"
    )
    assert log_group["RetentionInDays"] > 0


def test_failed_timed_out_and_throttled_executions_alarm(synthesized: Synthesized) -> None:
    topic = {"Ref": synthesized.logical_id(synthesized.stack.monitoring.topic)}
    dimension = {
        "Name": "StateMachineArn",
        "Value": {"Ref": synthesized.logical_id(synthesized.stack.pipeline.state_machine)},
    }
    alarms = synthesized.monitoring_resources("AWS::CloudWatch::Alarm").values()
    for metric in STATE_MACHINE_ALARMS:
        (alarm,) = [
            a
            for a in alarms
            if a["Properties"]["MetricName"] == metric
            and dimension in a["Properties"]["Dimensions"]
        ]
        props = alarm["Properties"]
        assert props["Namespace"] == "AWS/States"
        assert props["Threshold"] == 1
        assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert props["AlarmActions"] == [topic]


def test_the_stack_outputs_the_state_machine_arn(dev: Synthesized) -> None:
    output = dev.template_json["Outputs"]["StateMachineArn"]
    assert output["Value"] == {"Ref": dev.logical_id(dev.stack.pipeline.state_machine)}

"""Alarms on every function's errors and throttles, every dead-letter queue and API 5xx.

The state machine's execution alarms are in test_pipeline.py."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from functions.registry import GROUPS, SOCKETS, WORKERS
from shared.queues import QUEUES
from tests.infra.assembly import FUNCTION_SPECS, Resource, Synthesized

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]


def alarms(synth: Synthesized) -> list[Resource]:
    # In the nested monitoring stack, with what it watches as the stage's template names it.
    return list(synth.monitoring_resources("AWS::CloudWatch::Alarm").values())


def alarm_on(synth: Synthesized, metric: str, dimension: Mapping[str, object]) -> Resource:
    (alarm,) = [
        alarm
        for alarm in alarms(synth)
        if alarm["Properties"]["MetricName"] == metric
        and dimension in alarm["Properties"].get("Dimensions", [])
    ]
    return alarm


def assert_fires_on_first(alarm: Resource) -> None:
    props = alarm["Properties"]
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert props["Threshold"] == 1
    assert props["TreatMissingData"] == "notBreaching"


def test_each_function_alarms_on_errors_and_throttles(dev: Synthesized) -> None:
    for spec in FUNCTION_SPECS:
        function = dev.stack.functions[spec.name].function
        dimension = {"Name": "FunctionName", "Value": {"Ref": dev.logical_id(function)}}
        for metric in ("Errors", "Throttles"):
            alarm = alarm_on(dev, metric, dimension)
            assert alarm["Properties"]["Namespace"] == "AWS/Lambda"
            assert alarm["Properties"]["Statistic"] == "Sum"
            assert_fires_on_first(alarm)


def test_dead_letter_queue_alarms_on_its_first_message(dev: Synthesized) -> None:
    queue = dev.logical_id(dev.stack.events.dead_letter_queue)
    dimension = {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}
    alarm = alarm_on(dev, "ApproximateNumberOfMessagesVisible", dimension)
    assert alarm["Properties"]["Namespace"] == "AWS/SQS"
    assert_fires_on_first(alarm)


def test_each_queues_dead_letter_queue_alarms_on_its_first_message(dev: Synthesized) -> None:
    for spec in QUEUES:
        queue = dev.logical_id(dev.stack.queues.queue(spec.dead_letter_key()))
        dimension = {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}
        alarm = alarm_on(dev, "ApproximateNumberOfMessagesVisible", dimension)
        assert alarm["Properties"]["AlarmName"] == f"factory-dev-{spec.dead_letter_key()}"
        assert alarm["Properties"]["Statistic"] == "Maximum"
        assert_fires_on_first(alarm)


def test_api_alarms_on_5xx(dev: Synthesized) -> None:
    api = dev.logical_id(dev.stack.api.http_api)
    alarm = alarm_on(dev, "5xx", {"Name": "ApiId", "Value": {"Ref": api}})
    assert alarm["Properties"]["Namespace"] == "AWS/ApiGateway"
    assert_fires_on_first(alarm)


def test_every_alarm_notifies_the_encrypted_tls_only_topic(synthesized: Synthesized) -> None:
    topic_id = synthesized.logical_id(synthesized.stack.monitoring.topic)
    # Errors and throttles per function, the bus's DLQ, each queue's DLQ, API 5xx, three on
    # each state machine (jobs' pipeline and the workflows interpreter).
    functions = len(GROUPS) + len(WORKERS) + len(SOCKETS)
    assert len(alarms(synthesized)) == 2 * functions + 1 + len(QUEUES) + 1 + 3 * 2
    for alarm in alarms(synthesized):
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    topic = synthesized.monitoring_json["Resources"][topic_id]
    key_id = synthesized.logical_id(synthesized.stack.monitoring.key)
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    key = synthesized.monitoring_json["Resources"][key_id]["Properties"]
    assert key["EnableKeyRotation"] is True
    # CloudWatch must be able to use the key, or encrypted alarm notifications are lost.
    principals = [s.get("Principal", {}) for s in key["KeyPolicy"]["Statement"]]
    assert {"Service": "cloudwatch.amazonaws.com"} in principals
    (policy,) = synthesized.monitoring_resources("AWS::SNS::TopicPolicy").values()
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    )


def test_each_stack_stays_within_cloudformations_resource_limit(dev: Synthesized) -> None:
    # CloudFormation refuses a stack of more than 500 resources; the alarms and the API
    # (routes, integrations) live in nested stacks of their own so the stage can grow.
    stage, alarms_stack = dev.template_json["Resources"], dev.monitoring_json["Resources"]
    api_stack = dev.api_json["Resources"]
    assert len(stage) <= 500 - 25, f"{len(stage)} resources: split the stage further"
    assert len(api_stack) <= 500 - 25, f"{len(api_stack)} resources in the API's stack"
    assert len(alarms_stack) <= 500

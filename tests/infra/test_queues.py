"""The event path in CDK, from data: queues and their DLQs, the bus rule, event-source
mappings, the one-time schedules' group and role, and each grant kind the registry's
`sends_to`, `consumes` and `manages_schedules` imply, and nothing wider."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_sqs as sqs

from functions.registry import HEALTH, PIPELINE_WORKER, WORKERS, WORKFLOW_STEP, WorkerFunction
from infra.app import cdk_json_context
from infra.constructs.queues import QueuesConstruct
from infra.grants import HEALTH_QUEUE_ACTIONS, stack_queues_arn
from infra.names import stage_config
from infra.specs import FunctionSpec, checks_health
from shared.events import SOURCE
from shared.queues import BUS_DEAD_LETTER_KEY, QUEUES, QUEUES_BY_KEY
from tests.infra.assembly import (
    FUNCTION_SPECS,
    Resource,
    Synthesized,
    arn_of,
    as_list,
    synthesize_stack,
)
from tests.infra.test_storage_and_events import denies_insecure_transport, policy_for

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]

CONSUME_ACTIONS = {
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
}
SEND_ACTIONS = {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
SCHEDULE_ACTIONS = {
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
}


def queue_id(synth: Synthesized, key: str) -> str:
    return synth.logical_id(synth.stack.queues.queue(key))


def consumers(key: str, workers: Sequence[WorkerFunction] = WORKERS) -> list[WorkerFunction]:
    return [worker for worker in workers if key in worker.consumes]


def mappings(synth: Synthesized) -> dict[tuple[str, str], Resource]:
    """(function logical id, queue logical id) -> event-source mapping properties."""
    found: dict[tuple[str, str], Resource] = {}
    for mapping in synth.resources("AWS::Lambda::EventSourceMapping").values():
        props = mapping["Properties"]
        key = (props["FunctionName"]["Ref"], props["EventSourceArn"]["Fn::GetAtt"][0])
        assert key not in found, key
        found[key] = props
    return found


def sqs_grants(synth: Synthesized, spec: FunctionSpec) -> dict[str, list[Any]]:
    granted = synth.granted(synth.stack.functions[spec.name].role)
    return {action: resources for action, resources in granted.items() if action.startswith("sqs:")}


def test_each_queue_has_its_encrypted_tls_only_dead_letter_queue_and_redrive(
    synthesized: Synthesized,
) -> None:
    prefix = f"factory-{synthesized.stage}"
    for spec in QUEUES:
        queue = queue_id(synthesized, spec.key)
        dead_letter = queue_id(synthesized, spec.dead_letter_key())
        props = synthesized.template_json["Resources"][queue]["Properties"]
        assert props["QueueName"] == spec.physical_name(prefix)
        assert props["QueueName"] == f"{prefix}-{spec.key}" + (".fifo" if spec.fifo else "")
        assert props.get("FifoQueue", False) is spec.fifo
        assert props["RedrivePolicy"] == {
            "deadLetterTargetArn": arn_of(dead_letter),
            "maxReceiveCount": spec.max_receive_count,
        }
        assert props["VisibilityTimeout"] == spec.visibility_timeout_seconds
        assert props["MessageRetentionPeriod"] == 4 * 24 * 3600
        dlq = synthesized.template_json["Resources"][dead_letter]["Properties"]
        # A FIFO queue's dead-letter queue is FIFO too, as SQS requires.
        assert dlq["QueueName"] == f"{prefix}-{spec.key}-dlq" + (".fifo" if spec.fifo else "")
        assert dlq.get("FifoQueue", False) is spec.fifo
        # A moved message keeps its first enqueue time: the DLQ must keep it longer.
        assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600 > props["MessageRetentionPeriod"]
        assert "RedrivePolicy" not in dlq
        for logical_id, resource in ((queue, props), (dead_letter, dlq)):
            assert resource["SqsManagedSseEnabled"] is True
            policy = policy_for(synthesized, "AWS::SQS::QueuePolicy", "Queues", logical_id)
            assert denies_insecure_transport(policy)
        retained = "Retain" if synthesized.stage == "prod" else "Delete"
        for logical_id in (queue, dead_letter):
            assert synthesized.template_json["Resources"][logical_id]["DeletionPolicy"] == retained


def test_a_mapped_queue_hides_a_message_six_times_its_consumers_timeout(
    synthesized: Synthesized,
) -> None:
    """AWS's advice for a queue mapped to a function, for work queues and consumed DLQs."""
    keys = [*QUEUES_BY_KEY, *(spec.dead_letter_key() for spec in QUEUES), BUS_DEAD_LETTER_KEY]
    for key in keys:
        props = synthesized.template_json["Resources"][queue_id(synthesized, key)]["Properties"]
        timeouts = [worker.timeout_seconds for worker in consumers(key)]
        if timeouts:
            assert props["VisibilityTimeout"] >= 6 * max(timeouts), key
        else:
            assert props.get("VisibilityTimeout", 30) == 30, key


def test_every_queue_has_its_named_consumer_and_no_other(synthesized: Synthesized) -> None:
    for spec in QUEUES:
        assert [worker.name for worker in consumers(spec.key)] == [spec.consumer], spec.key


def test_each_queue_fed_by_the_bus_has_its_own_rule_for_the_products_events(
    synthesized: Synthesized,
) -> None:
    rules = synthesized.resources("AWS::Events::Rule")
    bus_queues = [spec.key for spec in QUEUES if spec.from_bus]
    assert "bus-events" in bus_queues
    assert sorted(synthesized.stack.queues.bus_rules) == sorted(bus_queues)
    assert len(rules) == len(bus_queues)
    bus_dead_letter = synthesized.logical_id(synthesized.stack.events.dead_letter_queue)
    for key in bus_queues:
        rule_id = synthesized.logical_id(synthesized.stack.queues.bus_rules[key])
        props = rules[rule_id]["Properties"]
        assert props["Name"] == f"factory-{synthesized.stage}-{key}"
        assert props["EventBusName"] == {
            "Ref": synthesized.logical_id(synthesized.stack.events.bus)
        }
        assert props["EventPattern"] == {"source": [SOURCE]}
        (target,) = props["Targets"]
        queue = queue_id(synthesized, key)
        assert target["Arn"] == arn_of(queue)
        assert target["DeadLetterConfig"] == {"Arn": arn_of(bus_dead_letter)}
        assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
        assert 60 <= target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 24 * 3600
        # EventBridge may send to the queue and the DLQ for this rule only (no confused
        # deputy): one statement naming this rule in each queue's policy.
        rule_arn = arn_of(rule_id)
        for logical_id in (queue, bus_dead_letter):
            policy = policy_for(synthesized, "AWS::SQS::QueuePolicy", "Queues", logical_id)
            (allow,) = [
                statement
                for statement in policy["Properties"]["PolicyDocument"]["Statement"]
                if statement["Effect"] == "Allow"
                and statement["Principal"] == {"Service": "events.amazonaws.com"}
                and statement["Condition"] == {"ArnEquals": {"aws:SourceArn": rule_arn}}
            ]
            # Sending only (on the target queue CDK's grant_send_messages adds its two reads).
            assert "sqs:SendMessage" in as_list(allow["Action"])
            assert set(as_list(allow["Action"])) <= SEND_ACTIONS

        # Sending only (on the target queue CDK's grant_send_messages adds its two reads).
        assert "sqs:SendMessage" in as_list(allow["Action"])
        assert set(as_list(allow["Action"])) <= SEND_ACTIONS
        assert allow["Resource"] == arn_of(logical_id)


def test_each_consumed_queue_is_mapped_with_partial_batch_failures(
    synthesized: Synthesized,
) -> None:
    expected: dict[tuple[str, str], tuple[int, int]] = {}
    for worker in WORKERS:
        function = synthesized.logical_id(synthesized.stack.functions[worker.name].function)
        for key in worker.consumes:
            spec = QUEUES_BY_KEY.get(key)
            # A dead-letter queue: Lambda's default batch, the smallest concurrency.
            batch, concurrency = (spec.batch_size, spec.max_concurrency) if spec else (10, 2)
            expected[(function, queue_id(synthesized, key))] = (batch, concurrency)
    found = mappings(synthesized)
    assert set(found) == set(expected)
    for pair, (batch, concurrency) in expected.items():
        props = found[pair]
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["BatchSize"] == batch
        assert props["ScalingConfig"] == {"MaximumConcurrency": concurrency}
        assert "MaximumBatchingWindowInSeconds" not in props


def test_consumers_may_receive_and_delete_only_from_the_queues_they_consume(
    synthesized: Synthesized,
) -> None:
    for spec in FUNCTION_SPECS:
        consumed = {
            str(arn_of(queue_id(synthesized, key))) for key in getattr(spec, "consumes", ())
        }
        health = set(HEALTH_QUEUE_ACTIONS) if checks_health(spec) else set()
        stack = synthesized.stack
        stack_queues = stack.resolve(stack_queues_arn(stack, stack.config.prefix))
        for action, resources in sqs_grants(synthesized, spec).items():
            if action == "sqs:SendMessage":
                continue
            if action in health and not consumed:
                # A health check reads each queue's state by name: the stack's queues alone.
                assert resources == [stack_queues], (spec.name, action)
                continue
            assert action in CONSUME_ACTIONS, (spec.name, action)
            assert {str(resource) for resource in resources} == consumed, (spec.name, action)
        if consumed:
            assert set(sqs_grants(synthesized, spec)) >= CONSUME_ACTIONS, spec.name


def test_senders_may_send_only_to_their_queues_and_the_invocation_dlq(
    synthesized: Synthesized,
) -> None:
    """sqs:SendMessage, nothing else, on each `sends_to` queue; every function also sends its
    failed asynchronous invocations to the bus's DLQ."""
    bus_dead_letter = arn_of(synthesized.logical_id(synthesized.stack.events.dead_letter_queue))
    senders = [spec for spec in FUNCTION_SPECS if getattr(spec, "sends_to", ())]
    assert senders, "the registry has functions that send to queues"
    for spec in FUNCTION_SPECS:
        granted = sqs_grants(synthesized, spec)
        targets = [arn_of(queue_id(synthesized, key)) for key in getattr(spec, "sends_to", ())]
        # The sandbox (isolated network) has no DLQ: nothing of it may reach a queue.
        dead_letter = [] if getattr(spec, "isolated_network", False) else [bus_dead_letter]
        assert sorted(map(str, granted.get("sqs:SendMessage", []))) == sorted(
            map(str, [*dead_letter, *targets])
        ), spec.name
        if not getattr(spec, "consumes", ()) and granted:
            # A health check also reads each queue's state by name (GET /settings/health).
            reads = set(HEALTH_QUEUE_ACTIONS) if checks_health(spec) else set()
            assert set(granted) == {"sqs:SendMessage", *reads}, spec.name


def test_schedule_group_and_the_role_its_schedules_run_with(synthesized: Synthesized) -> None:
    queues = synthesized.stack.queues
    (group,) = synthesized.resources("AWS::Scheduler::ScheduleGroup").values()
    assert group["Properties"]["Name"] == f"factory-{synthesized.stage}-schedules"
    group_id = synthesized.logical_id(queues.schedule_group)
    role = synthesized.resource(queues.schedule_role)["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {
        "StringEquals": {
            "aws:SourceAccount": {"Ref": "AWS::AccountId"},
            "aws:SourceArn": arn_of(group_id),
        }
    }
    # Send to the work queues and their DLQs (a schedule dead-letters there), nothing else.
    keys = [*QUEUES_BY_KEY, *(spec.dead_letter_key() for spec in QUEUES)]
    granted = synthesized.granted(queues.schedule_role)
    assert set(granted) == {"sqs:SendMessage"}
    assert sorted(map(str, granted["sqs:SendMessage"])) == sorted(
        str(arn_of(queue_id(synthesized, key))) for key in keys
    )


def schedules_arn(synth: Synthesized) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":scheduler:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":schedule/factory-{synth.stage}-schedules/*",
            ],
        ]
    }


def test_schedule_managers_create_and_delete_in_the_group_and_pass_only_its_role(
    synthesized: Synthesized,
) -> None:
    managers = [spec for spec in FUNCTION_SPECS if getattr(spec, "manages_schedules", False)]
    assert managers, "the registry has a function that schedules long waits"
    role_arn = arn_of(synthesized.logical_id(synthesized.stack.queues.schedule_role))
    for spec in FUNCTION_SPECS:
        built = synthesized.stack.functions[spec.name]
        granted = synthesized.granted(built.role)
        scheduling = {a for a in granted if a.startswith(("scheduler:", "iam:"))}
        if spec not in managers:
            assert not scheduling, spec.name
            continue
        assert scheduling == SCHEDULE_ACTIONS | {"iam:PassRole"}, spec.name
        for action in SCHEDULE_ACTIONS:
            assert granted[action] == [schedules_arn(synthesized)]
        (pass_role,) = [
            statement
            for statement in synthesized.role_statements(built.role)
            if "iam:PassRole" in as_list(statement["Action"])
        ]
        assert as_list(pass_role["Action"]) == ["iam:PassRole"]
        assert pass_role["Resource"] == role_arn
        assert pass_role["Condition"] == {
            "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}
        }
        variables = synthesized.resource(built.function)["Properties"]["Environment"]["Variables"]
        assert variables["SCHEDULES_ROLE_ARN"] == role_arn


# Test-local entries: what the registry may not have, from data alone. A worker that archives
# two dead-letter queues (a work queue's and the bus's), and one that sends to a queue and
# schedules long waits without consuming anything.
ARCHIVER = WorkerFunction(
    name="archiver",
    description="synthetic dead-letter consumer",
    handler=PIPELINE_WORKER.handler,
    consumes=("hook-events-dlq", BUS_DEAD_LETTER_KEY),
    timeout_seconds=45,
)
SCHEDULER = WorkerFunction(
    name="scheduler",
    description="synthetic sender of long waits",
    handler=PIPELINE_WORKER.handler,
    sends_to=("bus-events",),
    manages_schedules=True,
    timeout_seconds=30,
)


@pytest.fixture(scope="module")
def local_specs(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize_stack(
        tmp_path_factory.mktemp("cdk-queues"),
        groups=(HEALTH,),
        workers=(PIPELINE_WORKER, WORKFLOW_STEP, ARCHIVER, SCHEDULER),
    )


def test_dead_letter_queues_are_mapped_from_consumes_alone(local_specs: Synthesized) -> None:
    archiver = local_specs.logical_id(local_specs.stack.functions[ARCHIVER.name].function)
    found = mappings(local_specs)
    keys = ("hook-events-dlq", BUS_DEAD_LETTER_KEY)
    # No consumer of a work queue in this stack: only the archiver's two mappings.
    assert set(found) == {(archiver, queue_id(local_specs, key)) for key in keys}
    for key in keys:
        props = found[(archiver, queue_id(local_specs, key))]
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["ScalingConfig"] == {"MaximumConcurrency": 2}
        queue = local_specs.template_json["Resources"][queue_id(local_specs, key)]
        assert queue["Properties"]["VisibilityTimeout"] == 6 * ARCHIVER.timeout_seconds
    granted = sqs_grants(local_specs, ARCHIVER)
    consumed = sorted(str(arn_of(queue_id(local_specs, key))) for key in keys)
    for action in CONSUME_ACTIONS:
        assert sorted(map(str, granted[action])) == consumed


def test_a_schedule_manager_gets_its_queues_and_their_dlqs_urls(local_specs: Synthesized) -> None:
    built = local_specs.stack.functions[SCHEDULER.name]
    variables = local_specs.resource(built.function)["Properties"]["Environment"]["Variables"]
    assert variables["QUEUE_URL_BUS_EVENTS"] == {"Ref": queue_id(local_specs, "bus-events")}
    # shared.schedules.send_later names the DLQ of the queue it targets.
    assert variables["QUEUE_URL_BUS_EVENTS_DLQ"] == {"Ref": queue_id(local_specs, "bus-events-dlq")}
    assert variables["SCHEDULES_ROLE_ARN"] == arn_of(
        local_specs.logical_id(local_specs.stack.queues.schedule_role)
    )
    granted = local_specs.granted(built.role)
    # It sends to its queue only (and its failed async invocations to the bus's DLQ); the
    # schedule, not the function, sends to the DLQ.
    bus_dead_letter = arn_of(local_specs.logical_id(local_specs.stack.events.dead_letter_queue))
    assert sorted(map(str, granted["sqs:SendMessage"])) == sorted(
        map(str, [bus_dead_letter, arn_of(queue_id(local_specs, "bus-events"))])
    )
    for action in SCHEDULE_ACTIONS:
        assert granted[action] == [schedules_arn(local_specs)]
    health = local_specs.granted(local_specs.stack.functions[HEALTH.name].role)
    assert not {a for a in health if a.startswith(("scheduler:", "iam:"))}


def _queues(workers: Sequence[WorkerFunction]) -> None:
    stack = Stack(App(context=cdk_json_context()), "Queues")
    config = stage_config("dev")
    bus = events.EventBus(stack, "Bus")
    QueuesConstruct(
        stack,
        "Queues",
        config=config,
        bus=bus,
        bus_dead_letter_queue=sqs.Queue(stack, "BusDeadLetter"),
        workers=workers,
    )


HOOK_INGEST = next(worker for worker in WORKERS if "hook-events" in worker.consumes)


@pytest.mark.parametrize(
    ("workers", "message"),
    [
        # 6 x 61 s = 366 s > the queue's 360 s: a message could come back mid-batch.
        ((replace(HOOK_INGEST, timeout_seconds=61),), "visibility timeout 360 s is under"),
        ((replace(HOOK_INGEST, consumes=("no-such-queue",)),), "consumes no such queue"),
        ((replace(HOOK_INGEST, consumes=()),), "must list 'hook-events'"),
        ((HOOK_INGEST, replace(ARCHIVER, consumes=("hook-events",))), "consumed by hook_ingest"),
    ],
    ids=["visibility", "unknown", "consumer-not-consuming", "second-consumer"],
)
def test_queue_data_that_would_deploy_wrong_is_refused(
    workers: tuple[WorkerFunction, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _queues(workers)


def test_sending_to_an_unknown_queue_is_refused(tmp_path: Path) -> None:
    group = replace(HEALTH, sends_to=("no-such-queue",))
    with pytest.raises(ValueError, match="no queue 'no-such-queue'"):
        synthesize_stack(tmp_path, groups=(group,), workers=(PIPELINE_WORKER, WORKFLOW_STEP))


def test_registry_names_only_known_queues() -> None:
    known = {*QUEUES_BY_KEY, *(spec.dead_letter_key() for spec in QUEUES), BUS_DEAD_LETTER_KEY}
    for spec in FUNCTION_SPECS:
        assert set(getattr(spec, "sends_to", ())) <= known, spec.name
        assert set(getattr(spec, "consumes", ())) <= known, spec.name

"""Workers: functions AWS invokes (Step Functions, EventBridge Scheduler), never HTTP."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aws_cdk import App

from functions.registry import HEALTH, PIPELINE_WORKER, WORKERS, WorkerFunction
from infra.app import cdk_json_context
from infra.constructs.sandbox import isolated_network
from infra.names import stage_config
from infra.stacks.factory import FactoryStack
from tests.infra.assembly import SYNTHETIC_WORKER, Resource, Synthesized, arn_of

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]

SCHEDULED = [worker for worker in WORKERS if worker.schedule_minutes is not None]


def expected_rate(minutes: int) -> str:
    """EventBridge Scheduler's rate expression: the largest whole unit, singular for 1."""
    for unit, size in (("day", 24 * 60), ("hour", 60), ("minute", 1)):
        if minutes % size == 0:
            count = minutes // size
            return f"rate({count} {unit}{'' if count == 1 else 's'})"
    raise AssertionError("unreachable")


def schedules(synth: Synthesized) -> dict[str, Resource]:
    """Schedule resources by name."""
    return {
        resource["Properties"]["Name"]: resource
        for resource in synth.resources("AWS::Scheduler::Schedule").values()
    }


def test_pipeline_worker_has_its_tables_the_bucket_and_the_bus_and_cannot_drive_executions(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.stack
    built = stack.workers.functions[PIPELINE_WORKER.name]
    by_action = synthesized.granted(built.role)
    # Writes only where its registry entry says read_write: jobs, for its model calls the
    # breakers (providers) and the cost ledger (costs), the code review its reviewer phase
    # opens (work), and the release a passed job makes of the product waiting on it
    # (storefront).
    writable = {
        synthesized.logical_id(stack.data.tables[key])
        for key, access in PIPELINE_WORKER.tables.items()
        if access == "read_write"
    }
    assert {"jobs", "providers", "costs", "work", "storefront"} == {
        key for key, access in PIPELINE_WORKER.tables.items() if access == "read_write"
    }
    for action in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"):
        for resource in by_action.get(action, []):
            assert any(table in str(resource) for table in writable), (action, resource)
    # Read-write on the artifacts bucket and its objects, and on no other bucket.
    bucket = synthesized.logical_id(stack.artifacts.bucket)
    s3 = {action: rs for action, rs in by_action.items() if action.startswith("s3:")}
    assert {"s3:GetObject*", "s3:PutObject", "s3:DeleteObject*", "s3:List*"} <= set(s3)
    for resources in s3.values():
        for resource in resources:
            assert bucket in str(resource), resource
    # The bus, and nothing on Step Functions: the state machine drives it, not the reverse.
    assert by_action["events:PutEvents"] == [arn_of(synthesized.logical_id(stack.events.bus))]
    assert not [action for action in by_action if action.startswith("states:")]
    assert not [action for action in by_action if action.startswith("lambda:")]
    # Provider keys are read, never written.
    secrets = {action for action in by_action if action.startswith("secretsmanager:")}
    assert secrets
    assert "secretsmanager:PutSecretValue" not in secrets


def test_the_state_machine_cannot_be_driven_by_the_worker_it_invokes() -> None:
    """A pipeline worker that controlled executions would be a dependency cycle."""
    worker = replace(PIPELINE_WORKER, controls_executions=True)
    config = stage_config("dev")
    with pytest.raises(ValueError, match="cannot control its executions"):
        FactoryStack(
            App(context=cdk_json_context()),
            config.prefix,
            config=config,
            groups=(HEALTH,),
            workers=(worker,),
        )


def assert_schedule_invokes(synth: Synthesized, worker: WorkerFunction) -> None:
    """rate(N), its own role that may only invoke the worker (and dead-letter), DLQ, retry."""
    assert worker.schedule_minutes is not None
    schedule = schedules(synth)[f"factory-{synth.stage}-{worker.name}"]["Properties"]
    minutes = worker.schedule_minutes
    assert schedule["ScheduleExpression"] == expected_rate(minutes)
    assert schedule["State"] == "ENABLED"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    built = synth.stack.workers.functions[worker.name]
    function = arn_of(synth.logical_id(built.function))
    dead_letter = arn_of(synth.logical_id(synth.stack.events.dead_letter_queue))
    target = schedule["Target"]
    assert target["Arn"] == function
    assert target["DeadLetterConfig"] == {"Arn": dead_letter}
    retry = target["RetryPolicy"]
    assert retry["MaximumRetryAttempts"] > 0
    # Not delivered within one period: the next run supersedes it.
    assert 60 <= retry["MaximumEventAgeInSeconds"] <= max(60, minutes * 60)

    schedule_construct = synth.stack.workers.schedules[worker.name]
    assert target["RoleArn"] == arn_of(synth.logical_id(schedule_construct.role))
    role = synth.resource(schedule_construct.role)["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert set(trust["Condition"]["StringEquals"]) == {"aws:SourceAccount", "aws:SourceArn"}
    granted = synth.granted(schedule_construct.role)
    assert granted == {"lambda:InvokeFunction": [function], "sqs:SendMessage": [dead_letter]}


def test_each_scheduled_worker_has_its_schedule_and_no_other_has_one(
    synthesized: Synthesized,
) -> None:
    assert set(schedules(synthesized)) == {
        f"factory-{synthesized.stage}-{worker.name}" for worker in SCHEDULED
    }
    assert set(synthesized.stack.workers.schedules) == {worker.name for worker in SCHEDULED}
    for worker in SCHEDULED:
        assert_schedule_invokes(synthesized, worker)


def test_a_synthetic_worker_is_scheduled_from_its_data(synthetic: Synthesized) -> None:
    """The schedule comes from `schedule_minutes` alone, whatever the registry holds today."""
    assert set(schedules(synthetic)) == {f"factory-dev-{SYNTHETIC_WORKER.name}"}
    assert_schedule_invokes(synthetic, SYNTHETIC_WORKER)
    schedule = schedules(synthetic)[f"factory-dev-{SYNTHETIC_WORKER.name}"]["Properties"]
    assert schedule["ScheduleExpression"] == "rate(90 minutes)"
    assert schedule["Target"]["RetryPolicy"]["MaximumEventAgeInSeconds"] == 90 * 60


def test_workers_are_not_reachable_over_http(synthesized: Synthesized) -> None:
    """No route and no API Gateway permission reaches a worker; the rotation function may be
    invoked by Secrets Manager only."""
    for worker in WORKERS:
        function_id = synthesized.logical_id(
            synthesized.stack.workers.functions[worker.name].function
        )
        for permission in synthesized.resources("AWS::Lambda::Permission").values():
            if permission["Properties"]["FunctionName"] == arn_of(function_id):
                assert worker.rotates_signing_key, worker.name
                assert permission["Properties"]["Principal"] == "secretsmanager.amazonaws.com"
        for integration in synthesized.resources("AWS::ApiGatewayV2::Integration").values():
            assert function_id not in str(integration["Properties"]["IntegrationUri"])


def test_worker_code_holds_its_package_and_not_the_other_functions(
    synthesized: Synthesized,
) -> None:
    for worker in WORKERS:
        built = synthesized.stack.workers.functions[worker.name]
        asset = synthesized.asset_dir(synthesized.resource(built.function))
        folder = worker.package.split(".")[1]
        shipped = {path.name for path in (asset / "functions").iterdir() if path.is_dir()}
        # Its own package (and the bytecode of functions/__init__.py and registry.py).
        assert shipped == {folder, "__pycache__"}, shipped
        handler_module = worker.handler.rsplit(".", 1)[0].replace(".", "/")
        assert (asset / f"{handler_module}.py").exists()
        # Every worker reads the settings but the sandbox, which touches no AWS resource.
        assert (asset / "shared" / "settings.py").exists() != isolated_network(worker)

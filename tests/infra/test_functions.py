"""Every function, route group or worker: one each, same shape, and exactly the grants its
registry entry lists (tables, bucket, bus, state machine, token secrets), nothing else.
test_secrets.py looks at the token secrets' grants in detail."""

from __future__ import annotations

from typing import Any

import pytest

from functions.registry import GROUPS, SOCKETS, WORKERS
from infra.constructs.sandbox import ENI_ACTIONS, isolated_network
from infra.specs import (
    FunctionSpec,
    answers_workflow_tokens,
    authenticates,
    channel_secrets,
    checks_health,
    layers_for,
    rotates_signing_key,
    runs_workflows,
    signs_tokens,
    ssh_secrets,
    vault_secrets,
    wipes_team_secrets,
)
from shared.db.tables import TABLES
from tests.infra.assembly import (
    FUNCTION_SPECS,
    SYNTHETIC_GROUP,
    Resource,
    Synthesized,
    arn_of,
    as_list,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]

XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
RANDOM_PASSWORD = "secretsmanager:GetRandomPassword"
LIST_MODELS = "bedrock:ListFoundationModels"
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
EXECUTION_CONTROL = {
    "states:StartExecution",
    "states:StopExecution",
    "states:DescribeExecution",
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
}


def function_of(synth: Synthesized, spec: FunctionSpec) -> tuple[str, Resource]:
    built = synth.stack.functions[spec.name]
    return synth.logical_id(built.function), synth.resource(built.function)


def granted(synth: Synthesized, spec: FunctionSpec) -> dict[str, list[Any]]:
    return synth.granted(synth.stack.functions[spec.name].role)


def base_environment(synth: Synthesized) -> dict[str, Any]:
    return {
        "APP_ENV": "aws",
        "STAGE": synth.stage,
        "RESOURCE_PREFIX": f"factory-{synth.stage}",
        "ARTIFACTS_BUCKET": {"Ref": synth.logical_id(synth.stack.artifacts.bucket)},
        "EVENT_BUS_NAME": {"Ref": synth.logical_id(synth.stack.events.bus)},
        "POWERTOOLS_SERVICE_NAME": "software-factory",
        "POWERTOOLS_METRICS_NAMESPACE": "SoftwareFactory",
        "POWERTOOLS_LOG_LEVEL": "DEBUG" if synth.stage == "dev" else "INFO",
    }


def execution_arns(synth: Synthesized) -> dict[str, Any]:
    """`arn:...:execution:<state machine Name>:*`, as the template spells it."""
    state_machine = synth.logical_id(synth.stack.pipeline.state_machine)
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
                ":execution:",
                {"Fn::GetAtt": [state_machine, "Name"]},
                ":*",
            ],
        ]
    }


def test_one_arm64_python312_function_per_group_and_worker(synthesized: Synthesized) -> None:
    functions = synthesized.python_functions()
    assert len(functions) == len(GROUPS) + len(WORKERS) + len(SOCKETS)
    assert set(synthesized.stack.functions) == {spec.name for spec in FUNCTION_SPECS}
    layers = synthesized.stack.layers
    assert set(synthesized.resources("AWS::Lambda::LayerVersion")) == {
        synthesized.logical_id(layer) for layer in layers.values()
    }
    dead_letter = synthesized.logical_id(synthesized.stack.events.dead_letter_queue)
    for spec in FUNCTION_SPECS:
        logical_id, function = function_of(synthesized, spec)
        assert logical_id in functions
        props = function["Properties"]
        assert props["FunctionName"] == f"factory-{synthesized.stage}-{spec.name}"
        assert props["Handler"] == spec.handler
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["MemorySize"] == spec.memory_mb
        assert props["Timeout"] == spec.timeout_seconds
        assert sorted(layer["Ref"] for layer in props["Layers"]) == sorted(
            synthesized.logical_id(layers[name]) for name in layers_for(spec)
        )
        if isolated_network(spec):
            # User code: no X-Ray, no DLQ (both would be grants); test_sandbox_network.
            assert "TracingConfig" not in props
            assert "DeadLetterConfig" not in props
            continue
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["DeadLetterConfig"] == {"TargetArn": arn_of(dead_letter)}


def test_layers_are_for_python312_on_arm64(dev: Synthesized) -> None:
    layers = dev.resources("AWS::Lambda::LayerVersion").values()
    # One version per layer some function gets, shared by all that get it.
    assert len(layers) == len({name for spec in FUNCTION_SPECS for name in layers_for(spec)})
    assert len(layers) >= 8  # core, tokens, yaml, checks, accounts, schedules, ...
    for layer in layers:
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


WORKFLOW_TOKEN_ACTIONS = {
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
}


def workflows_arn(resource: str, stage: str, suffix: str = "") -> dict[str, Any]:
    """The workflows machine's ARN as the stage builds it from its fixed name (`suffix`
    `:*` for its executions)."""
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
                f":{resource}:factory-{stage}-workflows{suffix}",
            ],
        ]
    }


def test_functions_get_the_environment_settings_reads(synthesized: Synthesized) -> None:
    state_machine = synthesized.logical_id(synthesized.stack.pipeline.state_machine)
    admin_api_key = synthesized.logical_id(synthesized.stack.secrets.admin_api_key)
    for spec in FUNCTION_SPECS:
        _, function = function_of(synthesized, spec)
        expected = base_environment(synthesized)
        if spec.controls_executions:
            expected["STATE_MACHINE_ARN"] = {"Ref": state_machine}
        if runs_workflows(spec):
            expected["WORKFLOWS_MACHINE_ARN"] = workflows_arn("stateMachine", synthesized.stage)
        if signs_tokens(spec):
            expected["ADMIN_API_KEY_SECRET"] = {"Ref": admin_api_key}
        expected |= queue_environment(synthesized, spec)
        expected |= live_environment(synthesized, spec)
        assert function["Properties"]["Environment"]["Variables"] == expected, spec.name


def live_environment(synth: Synthesized, spec: FunctionSpec) -> dict[str, Any]:
    """LIVE_URL for the entry that announces it; the Management API's endpoint for one that
    manages WebSocket connections (tests/infra/test_live.py holds their values)."""
    variables = synth.resource(synth.stack.functions[spec.name].function)["Properties"][
        "Environment"
    ]["Variables"]
    names = ["LIVE_URL"] if getattr(spec, "announces_live_url", False) else []
    names += ["LIVE_CONNECTIONS_URL"] if getattr(spec, "manages_connections", False) else []
    return {name: variables[name] for name in names if name in variables}


def queue_environment(synth: Synthesized, spec: FunctionSpec) -> dict[str, Any]:
    """QUEUE_URL_<KEY> (the queue's Ref is its URL) for each queue the entry sends to; for
    one that manages schedules, the schedules' role and its queues' dead-letter URLs."""
    queues = synth.stack.queues
    variables: dict[str, Any] = {
        f"QUEUE_URL_{key.upper().replace('-', '_')}": {"Ref": synth.logical_id(queues.queue(key))}
        for key in getattr(spec, "sends_to", ())
    }
    if getattr(spec, "manages_schedules", False):
        variables["SCHEDULES_ROLE_ARN"] = arn_of(synth.logical_id(queues.schedule_role))
        for key in getattr(spec, "sends_to", ()):
            dead_letter = queues.queue(f"{key}-dlq")
            variables[f"QUEUE_URL_{key.upper().replace('-', '_')}_DLQ"] = {
                "Ref": synth.logical_id(dead_letter)
            }
    return variables


def test_each_function_logs_to_its_own_group_with_retention(synthesized: Synthesized) -> None:
    for spec in FUNCTION_SPECS:
        built = synthesized.stack.functions[spec.name]
        _, function = function_of(synthesized, spec)
        log_group = synthesized.resource(built.log_group)
        assert log_group["Properties"]["LogGroupName"] == (
            f"/aws/lambda/factory-{synthesized.stage}-{spec.name}"
        )
        assert log_group["Properties"]["RetentionInDays"] > 0
        assert function["Properties"]["LoggingConfig"]["LogGroup"] == {
            "Ref": synthesized.logical_id(built.log_group)
        }


def test_grants_follow_the_registry_entry_and_nothing_else(synthesized: Synthesized) -> None:
    """Per function: tables it lists and no other, the bucket iff it lists it, the bus iff
    it publishes, the state machine iff it controls executions, secrets iff it
    authenticates, calls providers or uses notification channels (written iff it signs
    tokens or manages keys or channels); no AWS-managed policy."""
    stack = synthesized.stack
    table_arn = {key: arn_of(synthesized.logical_id(t)) for key, t in stack.data.tables.items()}
    bucket_arn = arn_of(synthesized.logical_id(stack.artifacts.bucket))
    bus_arn = arn_of(synthesized.logical_id(stack.events.bus))
    for spec in FUNCTION_SPECS:
        built = stack.functions[spec.name]
        role = synthesized.resource(built.role)
        assert "ManagedPolicyArns" not in role["Properties"], spec.name
        by_action = granted(synthesized, spec)
        dynamodb = [r for a, rs in by_action.items() if a.startswith("dynamodb:") for r in rs]
        named_tables = {key for key, arn in table_arn.items() if arn in dynamodb}
        assert named_tables == set(spec.tables), spec.name
        s3 = [r for a, rs in by_action.items() if a.startswith("s3:") for r in rs]
        assert (bucket_arn in s3) == (spec.bucket is not None), spec.name
        assert by_action.get("events:PutEvents", []) == ([bus_arn] if spec.publishes_events else [])
        states = {action for action in by_action if action.startswith("states:")}
        expected_states = EXECUTION_CONTROL if spec.controls_executions else set()
        if runs_workflows(spec):
            expected_states |= {"states:StartExecution", "states:StopExecution"}
            expected_states |= {"states:DescribeExecution"}
        if answers_workflow_tokens(spec):
            expected_states |= WORKFLOW_TOKEN_ACTIONS
        if checks_health(spec):
            expected_states |= {"states:DescribeStateMachine"}
        assert states == expected_states, spec.name
        secrets = {action for action in by_action if action.startswith("secretsmanager:")}
        rotates = rotates_signing_key(spec)
        reads_keys = (
            spec.provider_keys is not None
            or channel_secrets(spec) is not None
            or ssh_secrets(spec) is not None
            or vault_secrets(spec) is not None
            or wipes_team_secrets(spec)
        )
        assert bool(secrets) == (authenticates(spec) or rotates or reads_keys), spec.name
        writes = "secretsmanager:PutSecretValue" in secrets
        manages_keys = "manage" in (
            spec.provider_keys,
            channel_secrets(spec),
            ssh_secrets(spec),
            vault_secrets(spec),
        )
        assert writes == (signs_tokens(spec) or rotates or manages_keys), spec.name
        # Only X-Ray has no resource-level permissions, nor have GetRandomPassword (CDK gives
        # it to a rotation function) and Bedrock's model list (provider checks); nothing
        # else may use "*".
        wildcard = XRAY_ACTIONS | ({RANDOM_PASSWORD} if rotates else set())
        # An isolated function has no X-Ray, and Lambda places its network interfaces.
        wildcard = set(ENI_ACTIONS) if isolated_network(spec) else wildcard
        wildcard |= {LIST_MODELS} if spec.provider_keys is not None else set()
        # ListSecrets authorizes on "*" only: a team's wipe finds its secrets by name.
        wildcard |= {"secretsmanager:ListSecrets"} if wipes_team_secrets(spec) else set()
        for action, resources in by_action.items():
            assert ("*" in resources) == (action in wildcard), (spec.name, action)


def test_execution_control_is_scoped_to_the_generation_state_machine(
    synthesized: Synthesized,
) -> None:
    controllers = [spec for spec in FUNCTION_SPECS if spec.controls_executions]
    if not controllers:
        pytest.skip("no registry entry controls executions; test_synthetic covers the grant")
    state_machine = {"Ref": synthesized.logical_id(synthesized.stack.pipeline.state_machine)}
    for spec in controllers:
        by_action = granted(synthesized, spec)
        for action in ("states:StartExecution", "states:SendTaskSuccess"):
            # The generation machine; a function that also runs or answers workflows has
            # the workflows machine besides (test_workflows_machine.py).
            assert by_action[action][0] == state_machine
            assert set(map(str, by_action[action][1:])) <= {
                str(workflows_arn("stateMachine", synthesized.stage))
            }
        for action in ("states:StopExecution", "states:DescribeExecution"):
            # The generation machine's executions; the workflows machine's besides for a
            # function that also runs workflows (a trigger's run_workflow action).
            assert by_action[action][0] == execution_arns(synthesized)
            assert set(map(str, by_action[action][1:])) <= {
                str(workflows_arn("execution", synthesized.stage, ":*"))
            }


def test_health_role_may_only_describe_tables_and_list_the_bucket(synthesized: Synthesized) -> None:
    built = synthesized.stack.functions["health"]
    by_action = synthesized.granted(built.role)
    table_actions = {a for a in by_action if a.startswith("dynamodb:")}
    bucket_actions = {a for a in by_action if a.startswith("s3:")}
    assert table_actions == {"dynamodb:DescribeTable"}
    assert bucket_actions == {"s3:ListBucket"}
    assert set(by_action) == (
        table_actions | bucket_actions | XRAY_ACTIONS | LOG_ACTIONS | {"sqs:SendMessage"}
    )
    tables = synthesized.stack.data.tables
    assert sorted(map(str, by_action["dynamodb:DescribeTable"])) == sorted(
        str(arn_of(synthesized.logical_id(tables[spec.key]))) for spec in TABLES
    )
    bucket = synthesized.logical_id(synthesized.stack.artifacts.bucket)
    assert by_action["s3:ListBucket"] == [arn_of(bucket)]
    log_group = synthesized.logical_id(built.log_group)
    for action in LOG_ACTIONS:
        assert by_action[action] == [arn_of(log_group)]
    dead_letter = synthesized.logical_id(synthesized.stack.events.dead_letter_queue)
    assert by_action["sqs:SendMessage"] == [arn_of(dead_letter)]


def test_a_route_group_can_publish_and_control_executions(synthetic: Synthesized) -> None:
    """Whatever groups the registry holds: the synthetic stack's health variant sets both
    flags, so a route group's path is covered even if no real group used them."""
    spec = SYNTHETIC_GROUP
    _, function = function_of(synthetic, spec)
    state_machine = synthetic.logical_id(synthetic.stack.pipeline.state_machine)
    assert function["Properties"]["Environment"]["Variables"] == {
        **base_environment(synthetic),
        "STATE_MACHINE_ARN": {"Ref": state_machine},
        **live_environment(synthetic, spec),
    }
    by_action = granted(synthetic, spec)
    assert by_action["events:PutEvents"] == [
        arn_of(synthetic.logical_id(synthetic.stack.events.bus))
    ]
    assert {a for a in by_action if a.startswith("states:")} == EXECUTION_CONTROL
    for action in (
        "states:StartExecution",
        *(f"states:SendTask{x}" for x in ("Success", "Failure", "Heartbeat")),
    ):
        assert by_action[action] == [{"Ref": state_machine}]
    for action in ("states:StopExecution", "states:DescribeExecution"):
        assert by_action[action] == [execution_arns(synthetic)]
    # The route group is still routed: flags change grants, not routing.
    assert synthetic.stack.api.functions[spec.name] is synthetic.stack.functions[spec.name]


def test_no_service_wide_wildcard_in_any_policy(synthesized: Synthesized) -> None:
    documents = [
        policy["Properties"]["PolicyDocument"]
        for policy in synthesized.resources("AWS::IAM::Policy").values()
    ] + [
        policy["PolicyDocument"]
        for role in synthesized.resources("AWS::IAM::Role").values()
        for policy in role["Properties"].get("Policies", [])
    ]
    assert documents
    for document in documents:
        for statement in document["Statement"]:
            for action in as_list(statement.get("Action", [])):
                assert action != "*"
                assert not action.endswith(":*"), action

"""The API: one function per route group, its routes, its environment and its grants."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.registry import API_BASES, GROUPS, HEALTH, RouteGroup
from shared.db.tables import TABLES
from tests.infra.assembly import Resource, Synthesized, arn_of, as_list

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]

XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}


def python_functions(synth: Synthesized) -> dict[str, Resource]:
    """Our functions (CDK's own custom-resource handlers run Node.js)."""
    return {
        logical_id: resource
        for logical_id, resource in synth.resources("AWS::Lambda::Function").items()
        if resource["Properties"].get("Runtime", "").startswith("python")
    }


def function_of(synth: Synthesized, group: RouteGroup) -> tuple[str, Resource]:
    built = synth.stack.api.functions[group.name]
    return synth.logical_id(built.function), synth.resource(built.function)


def routes_by_key(synth: Synthesized) -> dict[str, Resource]:
    return {
        resource["Properties"]["RouteKey"]: resource
        for resource in synth.resources("AWS::ApiGatewayV2::Route").values()
    }


def function_behind(synth: Synthesized, route: Resource) -> str:
    """The logical id of the function a route's integration invokes."""
    target = route["Properties"]["Target"]["Fn::Join"][1]
    assert target[0] == "integrations/"
    integration = synth.template_json["Resources"][target[1]["Ref"]]
    uri = integration["Properties"]["IntegrationUri"]
    logical_id: str = uri["Fn::GetAtt"][0]
    return logical_id


def role_statements(synth: Synthesized, role_logical_id: str) -> list[dict[str, Any]]:
    """Every statement of every policy attached to the role (inline or AWS::IAM::Policy)."""
    role = synth.template_json["Resources"][role_logical_id]
    statements = [
        statement
        for policy in role["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    for policy in synth.resources("AWS::IAM::Policy").values():
        if {"Ref": role_logical_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def test_one_arm64_python312_function_per_group_with_the_layer(synthesized: Synthesized) -> None:
    functions = python_functions(synthesized)
    assert len(functions) == len(GROUPS)
    layer_ids = list(synthesized.resources("AWS::Lambda::LayerVersion"))
    assert len(layer_ids) == 1
    dead_letter = synthesized.logical_id(synthesized.stack.events.dead_letter_queue)
    for group in GROUPS:
        _, function = function_of(synthesized, group)
        props = function["Properties"]
        assert props["FunctionName"] == f"factory-{synthesized.stage}-{group.name}"
        assert props["Handler"] == group.handler
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["MemorySize"] == group.memory_mb
        assert props["Timeout"] == group.timeout_seconds
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["Layers"] == [{"Ref": layer_ids[0]}]
        assert props["DeadLetterConfig"] == {"TargetArn": arn_of(dead_letter)}


def test_layer_is_for_python312_on_arm64(dev: Synthesized) -> None:
    (layer,) = dev.resources("AWS::Lambda::LayerVersion").values()
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


def test_functions_get_the_environment_settings_reads(synthesized: Synthesized) -> None:
    bucket = synthesized.logical_id(synthesized.stack.artifacts.bucket)
    bus = synthesized.logical_id(synthesized.stack.events.bus)
    for group in GROUPS:
        _, function = function_of(synthesized, group)
        assert function["Properties"]["Environment"]["Variables"] == {
            "APP_ENV": "aws",
            "STAGE": synthesized.stage,
            "RESOURCE_PREFIX": f"factory-{synthesized.stage}",
            "ARTIFACTS_BUCKET": {"Ref": bucket},
            "EVENT_BUS_NAME": {"Ref": bus},
            "POWERTOOLS_SERVICE_NAME": "software-factory",
            "POWERTOOLS_METRICS_NAMESPACE": "SoftwareFactory",
            "POWERTOOLS_LOG_LEVEL": "DEBUG" if synthesized.stage == "dev" else "INFO",
        }


def test_each_function_logs_to_its_own_group_with_retention(synthesized: Synthesized) -> None:
    for group in GROUPS:
        built = synthesized.stack.api.functions[group.name]
        _, function = function_of(synthesized, group)
        log_group = synthesized.resource(built.log_group)
        assert log_group["Properties"]["LogGroupName"] == (
            f"/aws/lambda/factory-{synthesized.stage}-{group.name}"
        )
        assert log_group["Properties"]["RetentionInDays"] > 0
        assert function["Properties"]["LoggingConfig"]["LogGroup"] == {
            "Ref": synthesized.logical_id(built.log_group)
        }


def test_every_group_route_under_both_bases_reaches_its_function(dev: Synthesized) -> None:
    routes = routes_by_key(dev)
    for group in GROUPS:
        function_id, _ = function_of(dev, group)
        for path in group.route_paths():
            assert function_behind(dev, routes[f"ANY {path}"]) == function_id
    # Every /api/v1 route is also served under /api.
    v1, legacy = API_BASES
    v1_paths = [key.removeprefix("ANY ") for key in routes if key.startswith(f"ANY {v1}")]
    assert v1_paths
    for path in v1_paths:
        assert f"ANY {legacy}{path.removeprefix(v1)}" in routes


def test_health_is_served_at_the_root_and_under_both_bases(dev: Synthesized) -> None:
    routes = routes_by_key(dev)
    for base in ("", *API_BASES):
        for path in ("health", "healthz", "readyz", "openapi.json"):
            assert f"ANY {base}/{path}" in routes


def test_default_route_goes_to_the_default_group(dev: Synthesized) -> None:
    (default_group,) = [group for group in GROUPS if group.default_route]
    routes = routes_by_key(dev)
    function_id, _ = function_of(dev, default_group)
    assert function_behind(dev, routes["$default"]) == function_id
    expected = {"$default", *(f"ANY {p}" for g in GROUPS for p in g.route_paths())}
    assert set(routes) == expected


def test_api_gateway_may_invoke_each_function_only_from_this_api(dev: Synthesized) -> None:
    api_id = dev.logical_id(dev.stack.api.http_api)
    permissions = dev.resources("AWS::Lambda::Permission").values()
    for group in GROUPS:
        function_id, _ = function_of(dev, group)
        mine = [p for p in permissions if p["Properties"]["FunctionName"] == arn_of(function_id)]
        assert len(mine) == 1
        props = mine[0]["Properties"]
        assert props["Principal"] == "apigateway.amazonaws.com"
        assert {"Ref": api_id} in props["SourceArn"]["Fn::Join"][1]


def test_default_stage_throttles_and_writes_json_access_logs(synthesized: Synthesized) -> None:
    (stage,) = synthesized.resources("AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == "$default"
    assert props["AutoDeploy"] is True
    settings = props["DefaultRouteSettings"]
    assert settings["ThrottlingRateLimit"] > 0
    assert settings["ThrottlingBurstLimit"] >= settings["ThrottlingRateLimit"]
    fields = json.loads(props["AccessLogSettings"]["Format"])
    assert fields["requestId"] == "$context.requestId"
    assert fields["status"] == "$context.status"
    access_logs = synthesized.logical_id(synthesized.stack.api.access_logs)
    assert props["AccessLogSettings"]["DestinationArn"] == arn_of(access_logs)
    log_group = synthesized.template_json["Resources"][access_logs]
    assert log_group["Properties"]["RetentionInDays"] > 0


def test_health_role_may_only_describe_tables_and_list_the_bucket(synthesized: Synthesized) -> None:
    built = synthesized.stack.api.functions[HEALTH.name]
    role_id = synthesized.logical_id(built.role)
    role = synthesized.template_json["Resources"][role_id]
    assert "ManagedPolicyArns" not in role["Properties"]

    statements = role_statements(synthesized, role_id)
    assert all(statement["Effect"] == "Allow" for statement in statements)
    by_action: dict[str, list[Any]] = {}
    for statement in statements:
        for action in as_list(statement["Action"]):
            by_action.setdefault(action, []).extend(as_list(statement["Resource"]))

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
    # Only X-Ray has no resource-level permissions; nothing else may use "*".
    for action, resources in by_action.items():
        assert ("*" in resources) == (action in XRAY_ACTIONS), action


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

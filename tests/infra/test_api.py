"""The API: every route group's routes reach its function; the stage throttles and logs.

What every function shares (runtime, environment, grants) is in test_functions.py."""

from __future__ import annotations

import json

import pytest

from functions.registry import API_BASES, GROUPS, RouteGroup
from tests.infra.assembly import Resource, Synthesized, arn_of

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]


def function_of(synth: Synthesized, group: RouteGroup) -> tuple[str, Resource]:
    built = synth.stack.api.functions[group.name]
    return synth.logical_id(built.function), synth.resource(built.function)


def of_http_api(synth: Synthesized, resource_type: str) -> list[Resource]:
    """The resources of that type belonging to the HTTP API (the WebSocket API of live
    events has routes and a stage of its own: tests/infra/test_live.py)."""
    api = {"Ref": synth.logical_id(synth.stack.api.http_api)}
    return [r for r in synth.resources(resource_type).values() if r["Properties"]["ApiId"] == api]


def routes_by_key(synth: Synthesized) -> dict[str, Resource]:
    return {
        resource["Properties"]["RouteKey"]: resource
        for resource in of_http_api(synth, "AWS::ApiGatewayV2::Route")
    }


def function_behind(synth: Synthesized, route: Resource) -> str:
    """The logical id of the function a route's integration invokes."""
    target = route["Properties"]["Target"]["Fn::Join"][1]
    assert target[0] == "integrations/"
    integration = synth.stage_resources[target[1]["Ref"]]
    uri = integration["Properties"]["IntegrationUri"]
    logical_id: str = uri["Fn::GetAtt"][0]
    return logical_id


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
    (stage,) = of_http_api(synthesized, "AWS::ApiGatewayV2::Stage")
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
    log_group = synthesized.stage_resources[access_logs]
    assert log_group["Properties"]["RetentionInDays"] > 0

"""The WebSocket API of live events (infra/constructs/live.py), as synthesized."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.registry import HEALTH, LIVE_PUSH, LIVE_SOCKET, SOCKETS
from tests.infra.assembly import Synthesized, arn_of, as_list

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]


def only(resources: dict[str, Any]) -> tuple[str, Any]:
    assert len(resources) == 1, list(resources)
    return next(iter(resources.items()))


def test_one_websocket_api_with_its_ws_stage(synthesized: Synthesized) -> None:
    api_id, api = only(
        {
            key: value
            for key, value in synthesized.resources("AWS::ApiGatewayV2::Api").items()
            if value["Properties"].get("ProtocolType") == "WEBSOCKET"
        }
    )
    assert api["Properties"]["Name"] == f"factory-{synthesized.stage}-live"
    assert api["Properties"]["RouteSelectionExpression"] == "$request.body.type"
    stages = {
        key: value
        for key, value in synthesized.resources("AWS::ApiGatewayV2::Stage").items()
        if value["Properties"]["ApiId"] == {"Ref": api_id}
    }
    _, stage = only(stages)
    props = stage["Properties"]
    assert props["StageName"] == "ws"
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    access_logs = synthesized.logical_id(synthesized.stack.live.access_logs)
    assert props["AccessLogSettings"]["DestinationArn"] == arn_of(access_logs)
    assert "$context.connectionId" in props["AccessLogSettings"]["Format"]


def test_each_route_reaches_the_socket_function(synthesized: Synthesized) -> None:
    function = synthesized.logical_id(synthesized.stack.functions[LIVE_SOCKET.name].function)
    routes = synthesized.resources("AWS::ApiGatewayV2::Route")
    integrations = synthesized.resources("AWS::ApiGatewayV2::Integration")
    found: dict[str, Any] = {}
    for route in routes.values():
        props = route["Properties"]
        if props["RouteKey"].startswith("$") and props["RouteKey"] != "$default":
            found[props["RouteKey"]] = props
        elif props["RouteKey"] == "$default" and "RouteResponseSelectionExpression" in props:
            found["$default"] = props
    assert set(found) == set(LIVE_SOCKET.routes)
    for key, props in found.items():
        target = props["Target"]["Fn::Join"][1][1]["Ref"]
        integration = integrations[target]["Properties"]
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert function in json.dumps(integration["IntegrationUri"]), key
    # $default answers on the socket (two-way); $connect's answer is the handshake's status.
    assert found["$default"]["RouteResponseSelectionExpression"] == "$default"
    assert "RouteResponseSelectionExpression" not in found["$connect"]
    # API Gateway may invoke it, for this API's routes.
    permissions = [
        permission["Properties"]
        for permission in synthesized.resources("AWS::Lambda::Permission").values()
        if permission["Properties"]["FunctionName"] == arn_of(function)
    ]
    assert permissions
    assert {permission["Principal"] for permission in permissions} == {"apigateway.amazonaws.com"}


def test_manage_connections_is_granted_on_this_stage_only(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    api = synthesized.logical_id(stack.live.api)
    for name, built in stack.functions.items():
        granted = synthesized.granted(built.role)
        environment = synthesized.resource(built.function)["Properties"]["Environment"]
        variables = environment["Variables"]
        manages = getattr(built.spec, "manages_connections", False)
        assert ("execute-api:ManageConnections" in granted) == manages, name
        assert ("LIVE_CONNECTIONS_URL" in variables) == manages, name
        assert ("LIVE_URL" in variables) == (name == HEALTH.name), name
        if not manages:
            continue
        [arn] = granted["execute-api:ManageConnections"]
        text = json.dumps(arn)
        assert {"Ref": api} in arn["Fn::Join"][1], text
        assert '/ws/*/@connections/*"' in text, text
        # The stage's callback URL: https://<api>.execute-api.<region>.<suffix>/ws
        assert json.dumps(variables["LIVE_CONNECTIONS_URL"]).count(api) == 1
        assert "/ws" in json.dumps(variables["LIVE_CONNECTIONS_URL"])
    assert {LIVE_PUSH.name, *(spec.name for spec in SOCKETS)} <= set(stack.functions)


def test_the_live_push_worker_consumes_its_own_bus_queue(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    queue = synthesized.logical_id(stack.queues.queue("live-events"))
    rule = stack.queues.bus_rules["live-events"]
    targets = synthesized.resource(rule)["Properties"]["Targets"]
    assert [target["Arn"] for target in targets] == [arn_of(queue)]
    function = synthesized.logical_id(stack.functions[LIVE_PUSH.name].function)
    mappings = [
        mapping["Properties"]
        for mapping in synthesized.resources("AWS::Lambda::EventSourceMapping").values()
        if mapping["Properties"]["FunctionName"] == {"Ref": function}
    ]
    assert [mapping["EventSourceArn"] for mapping in mappings] == [arn_of(queue)]
    assert as_list(mappings[0]["FunctionResponseTypes"]) == ["ReportBatchItemFailures"]


def test_the_live_url_is_an_output(synthesized: Synthesized) -> None:
    outputs = synthesized.template_json["Outputs"]
    assert "wss://" in json.dumps(outputs["LiveUrl"]["Value"])

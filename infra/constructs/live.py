"""Live events: the API Gateway WebSocket API, built from functions.registry.

One WebSocket API (`<prefix>-live`) and its stage `ws` (so clients connect to
`wss://<api>.execute-api.<region>.amazonaws.com/ws`, the `/ws` of API.md), throttled like
the HTTP API and writing JSON access logs. One `ServiceFunction` per `SOCKETS` entry, with
a Lambda integration per route it lists; `$default` is a two-way route (the function's
answer is the reply on the socket). `connect` then gives every function whose entry says
`manages_connections` the Management API: `execute-api:ManageConnections` on this API's
stage only and LIVE_CONNECTIONS_URL (its callback URL); one that `announces_live_url`
gets LIVE_URL. Nothing here names a function.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from aws_cdk import Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from constructs import Construct

from functions.registry import SOCKETS, SocketFunction
from infra.constructs.functions import FunctionResources, ServiceFunction
from infra.constructs.logs import stage_log_group
from infra.names import StageConfig
from infra.specs import FunctionSpec
from shared.live.endpoints import CONNECTIONS_URL_VARIABLE, LIVE_URL_VARIABLE

LIVE_ID = "Live"
# The stage, and so the path clients connect to (tools/local/live.py serves the same).
STAGE_NAME = "ws"
# Messages are routed by their `type`; only $default has a route, so every message goes
# there and the function answers unknown types itself.
ROUTE_SELECTION = "$request.body.type"
MANAGE_CONNECTIONS = "execute-api:ManageConnections"

# WebSocket access-log fields ($context variables of WebSocket APIs).
ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "connectionId": "$context.connectionId",
    "eventType": "$context.eventType",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "error": "$context.error.message",
}


def live_api_name(prefix: str) -> str:
    return f"{prefix}-live"


def manages_connections(spec: FunctionSpec) -> bool:
    value = getattr(spec, "manages_connections", False)
    if not isinstance(value, bool):
        raise TypeError(f"{spec.name}: manages_connections must be a bool, not {value!r}")
    return value


def announces_live_url(spec: FunctionSpec) -> bool:
    value = getattr(spec, "announces_live_url", False)
    if not isinstance(value, bool):
        raise TypeError(f"{spec.name}: announces_live_url must be a bool, not {value!r}")
    return value


class LiveConstruct(Construct):
    """The WebSocket API and its stage; `add_functions` builds the socket functions and
    their routes, `connect` the Management API grants."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        name = live_api_name(config.prefix)
        self.api = apigwv2.WebSocketApi(
            self,
            "WebSocketApi",
            api_name=name,
            description="Software Factory live events: WS /ws (subscribe, ping, pushed events)",
            route_selection_expression=ROUTE_SELECTION,
        )
        self.access_logs = stage_log_group(
            self, "AccessLogs", f"/aws/apigateway/{name}/access", config
        )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=STAGE_NAME,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=config.throttle_rate, burst_limit=config.throttle_burst
            ),
        )
        stage = self.stage.node.default_child
        assert isinstance(stage, apigwv2.CfnStage)
        stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_logs.log_group_arn, format=json.dumps(ACCESS_LOG_FIELDS)
        )
        self.functions: dict[str, ServiceFunction] = {}

    @property
    def url(self) -> str:
        """What clients connect to: `wss://<api>.execute-api.<region>.<suffix>/ws`."""
        return self.stage.url

    @property
    def connections_url(self) -> str:
        """The Management API endpoint of the stage: `https://<api>...amazonaws.com/ws`."""
        return self.stage.callback_url

    @property
    def connections_arn(self) -> str:
        """Every connection of this stage, any method: `.../<api>/ws/*/@connections/*`."""
        return Stack.of(self).format_arn(
            service="execute-api",
            resource=self.api.api_id,
            resource_name=f"{STAGE_NAME}/*/@connections/*",
        )

    def add_functions(
        self, resources: FunctionResources, sockets: Sequence[SocketFunction] = SOCKETS
    ) -> None:
        for spec in sockets:
            built = ServiceFunction(self, spec.name, spec=spec, resources=resources)
            self.functions[spec.name] = built
            for route in spec.routes:
                self.api.add_route(
                    route,
                    integration=integrations.WebSocketLambdaIntegration(
                        f"{spec.name}-{route.strip('$')}", built.function
                    ),
                    # A message's answer is its reply; $connect and $disconnect have none.
                    return_response=route == "$default",
                )

    def connect(self, functions: Iterable[ServiceFunction]) -> None:
        """LIVE_URL for each function that announces it; the Management API (grant and
        LIVE_CONNECTIONS_URL) for each that manages connections."""
        for built in functions:
            if announces_live_url(built.spec):
                built.function.add_environment(LIVE_URL_VARIABLE, self.url)
            if manages_connections(built.spec):
                built.function.add_environment(CONNECTIONS_URL_VARIABLE, self.connections_url)
                iam.Grant.add_to_principal(
                    grantee=built.function,
                    actions=[MANAGE_CONNECTIONS],
                    resource_arns=[self.connections_arn],
                )

"""The HTTP API and one Lambda function per route group, built from functions.registry.

Nothing here names a group: adding a group to `GROUPS` adds its function (a
`ServiceFunction`, infra/constructs/functions.py), its routes and exactly the grants its
entry lists. A hand-written method per function is what we avoid.

The API itself (the HttpApi, its stage and access logs, every route, integration and
invoke permission) is a nested stack of its own: CloudFormation refuses a stack of more
than 500 resources, and the routes (four per prefix: two bases, the prefix and below it)
were a third of the stage. The functions stay in the stage, where their grants are; CDK
passes their ARNs in and the API's id and endpoint back out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import jsii
from aws_cdk import NestedStack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from functions.registry import GROUPS, RouteGroup
from infra.constructs.functions import FunctionResources, ServiceFunction
from infra.constructs.logs import stage_log_group
from infra.names import api_name

# HTTP API access-log fields ($context variables of HTTP APIs), one JSON object per request.
ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "method": "$context.httpMethod",
    "path": "$context.path",
    "routeKey": "$context.routeKey",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
    "error": "$context.error.message",
}


class ApiConstruct(Construct):
    """One HTTP API; one function per route group; routes under /api/v1 and /api."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: FunctionResources,
        groups: Sequence[RouteGroup] = GROUPS,
    ) -> None:
        super().__init__(scope, construct_id)
        defaults = [group for group in groups if group.default_route]
        if len(defaults) != 1:
            raise ValueError(f"exactly one group must take $default, found {len(defaults)}")
        config = resources.config

        # Construct id = group name: the function's logical id stays put as groups are added.
        self.functions: dict[str, ServiceFunction] = {
            group.name: ServiceFunction(self, group.name, spec=group, resources=resources)
            for group in groups
        }

        self.api_stack = NestedStack(
            self,
            "Stack",
            description=f"{config.prefix}: the HTTP API, its stage, routes and integrations",
        )
        self.access_logs = stage_log_group(
            self.api_stack,
            "AccessLogs",
            f"/aws/apigateway/{api_name(config.prefix)}/access",
            config,
        )
        self.http_api = apigwv2.HttpApi(
            self.api_stack,
            "HttpApi",
            api_name=api_name(config.prefix),
            description="Software Factory API: every route group behind one endpoint",
            # Our own $default stage below: the built-in one takes no logging or throttling.
            create_default_stage=False,
        )
        self.stage = apigwv2.HttpStage(
            self.api_stack,
            "DefaultStage",
            http_api=self.http_api,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=config.throttle_rate, burst_limit=config.throttle_burst
            ),
            access_log_settings=_AccessLogSettings(self.access_logs),
        )
        for group in groups:
            self._route(group, self.functions[group.name].function)

    def _route(self, group: RouteGroup, function: lambda_.IFunction) -> None:
        # One invoke permission per function for this API, not one per route: the routes
        # all reach the same function, and CloudFormation caps a stack at 500 resources.
        integration = integrations.HttpLambdaIntegration(
            f"{group.name}-integration", function, scope_permission_to_route=False
        )
        for path in group.route_paths():
            # In the API's stack, as `add_routes` would name it; the integration and the
            # permission are made in the first route's scope, so they land there too.
            apigwv2.HttpRoute(
                self.api_stack,
                f"ANY{path}",
                http_api=self.http_api,
                route_key=apigwv2.HttpRouteKey.with_(path, apigwv2.HttpMethod.ANY),
                integration=integration,
            )
        if group.default_route:
            apigwv2.HttpRoute(
                self.api_stack,
                "DefaultRoute",
                http_api=self.http_api,
                route_key=apigwv2.HttpRouteKey.DEFAULT,
                integration=integration,
            )


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """JSON access logs (one object per request) into a log group with retention."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS))

"""The HTTP API and one Lambda function per route group, built from functions.registry.

Nothing here names a group: adding a group to `GROUPS` adds its function, its routes and
exactly the grants its entry lists. A hand-written method per function is what we avoid.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import jsii
from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.registry import GROUPS, RouteGroup
from infra.grants import grant_bucket, grant_table
from infra.names import (
    METRICS_NAMESPACE_NAME,
    SERVICE_NAME,
    StageConfig,
    api_name,
    function_name,
)
from infra.packaging import dependency_layer_zip, stage_function

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64

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


class GroupFunction(Construct):
    """One route group's Lambda function with its own role and log group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        group: RouteGroup,
        config: StageConfig,
        layer: lambda_.ILayerVersion,
        environment: Mapping[str, str],
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        name = function_name(config.prefix, group.name)
        self.group = group
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{name}",
            retention=config.log_retention,
            removal_policy=config.removal_policy,
        )
        # Our own role rather than the default one: the default attaches the AWS-managed
        # AWSLambdaBasicExecutionRole (logs on every log group); this one writes to its own.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{name}: its log group and the grants its registry entry lists",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            description=group.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=group.handler,
            code=lambda_.Code.from_asset(str(stage_function(group))),
            layers=[layer],
            memory_size=group.memory_mb,
            timeout=Duration.seconds(group.timeout_seconds),
            tracing=lambda_.Tracing.ACTIVE,
            role=self.role,
            log_group=self.log_group,
            environment=dict(environment),
            # API calls are synchronous; an asynchronous invocation that still fails (a
            # future EventBridge target, a retry tool) lands in the one alarmed DLQ.
            dead_letter_queue=dead_letter_queue,
        )


class ApiConstruct(Construct):
    """One HTTP API; one function per route group; routes under /api/v1 and /api."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        tables: Mapping[str, dynamodb.ITableV2],
        bucket: s3.IBucket,
        bus: events.IEventBus,
        dead_letter_queue: sqs.IQueue,
        groups: Sequence[RouteGroup] = GROUPS,
    ) -> None:
        super().__init__(scope, construct_id)
        defaults = [group for group in groups if group.default_route]
        if len(defaults) != 1:
            raise ValueError(f"exactly one group must take $default, found {len(defaults)}")

        self.layer = lambda_.LayerVersion(
            self,
            "DependencyLayer",
            code=lambda_.Code.from_asset(str(dependency_layer_zip())),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Runtime dependencies pinned in pyproject.toml, built by layers/build.py",
        )
        environment = {
            "APP_ENV": "aws",
            "STAGE": config.stage,
            "RESOURCE_PREFIX": config.prefix,
            "ARTIFACTS_BUCKET": bucket.bucket_name,
            "EVENT_BUS_NAME": bus.event_bus_name,
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE_NAME,
            "POWERTOOLS_LOG_LEVEL": config.log_level,
        }
        self.functions: dict[str, GroupFunction] = {}
        for group in groups:
            built = GroupFunction(
                self,
                group.name,
                group=group,
                config=config,
                layer=self.layer,
                environment=environment,
                dead_letter_queue=dead_letter_queue,
            )
            for table_key, table_access in group.tables.items():
                grant_table(tables[table_key], built.function, table_access)
            if group.bucket is not None:
                grant_bucket(bucket, built.function, group.bucket)
            self.functions[group.name] = built

        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            log_group_name=f"/aws/apigateway/{api_name(config.prefix)}/access",
            retention=config.log_retention,
            removal_policy=config.removal_policy,
        )
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=api_name(config.prefix),
            description="Software Factory API: every route group behind one endpoint",
            # Our own $default stage below: the built-in one takes no logging or throttling.
            create_default_stage=False,
        )
        self.stage = apigwv2.HttpStage(
            self,
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
            self.http_api.add_routes(
                path=path, methods=[apigwv2.HttpMethod.ANY], integration=integration
            )
        if group.default_route:
            apigwv2.HttpRoute(
                self,
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

"""One Lambda function per registry entry, route group or worker alike.

Route groups (infra/constructs/api.py) and workers (infra/constructs/workers.py) are built
by the same `ServiceFunction`: same runtime, architecture, tracing, own log group, own
role, exactly the dependency layers `layers_for(entry)` names and exactly the grants the
entry's data lists. Nothing here names a function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.constructs.logs import stage_log_group
from infra.constructs.sandbox import ENI_ACTIONS, SUBNETS, IsolatedNetwork, isolated_network
from infra.grants import (
    bedrock_model_arns,
    channel_secrets_arn,
    email_identities_arn,
    grant_bedrock,
    grant_bucket,
    grant_channel_secrets,
    grant_execution_control,
    grant_health_checks,
    grant_provider_keys,
    grant_put_events,
    grant_send_email,
    grant_ssh_secrets,
    grant_table,
    grant_token_secrets,
    grant_vault_secrets,
    grant_wipe_team_secrets,
    provider_keys_arn,
    ssh_secrets_arn,
    stack_queues_arn,
    stack_state_machines_arn,
    vault_secrets_arn,
)
from infra.names import LAYER_ID, METRICS_NAMESPACE_NAME, SERVICE_NAME, StageConfig, function_name
from infra.packaging import layer_zip, stage_function
from infra.specs import (
    FunctionSpec,
    authenticates,
    channel_secrets,
    checks_health,
    invokes,
    layers_for,
    sends_email,
    signs_tokens,
    ssh_secrets,
    vault_secrets,
    wipes_team_secrets,
)

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64
# The variable shared.settings reads the generation state machine's ARN from.
STATE_MACHINE_ARN_VARIABLE = "STATE_MACHINE_ARN"
# The variable the signer reads the admin API key secret's ARN from (signers only).
ADMIN_API_KEY_SECRET_VARIABLE = "ADMIN_API_KEY_SECRET"  # noqa: S105 - a variable name


@dataclass(frozen=True, slots=True)
class FunctionResources:
    """What every function is built against: the stage, the dependency layers by name, the
    environment shared.settings reads, the dead-letter queue, and what grants can name
    (tables, bucket, bus, the two token secrets)."""

    config: StageConfig
    layers: Mapping[str, lambda_.ILayerVersion]
    environment: Mapping[str, str]
    dead_letter_queue: sqs.IQueue
    tables: Mapping[str, dynamodb.ITableV2]
    bucket: s3.IBucket
    bus: events.IEventBus
    signing_key_secret: secretsmanager.ISecret
    admin_api_key_secret: secretsmanager.ISecret


def dependency_layers(
    scope: Construct, specs: Iterable[FunctionSpec]
) -> dict[str, lambda_.LayerVersion]:
    """One layer version per dependency layer some function of `specs` gets (layers/build.py
    built them; synth only reads the zips), by layer name. Construct ids:
    `DependencyLayerCore`, `DependencyLayerTokens`, ..."""
    names = dict.fromkeys(name for spec in specs for name in layers_for(spec))
    return {
        name: lambda_.LayerVersion(
            scope,
            f"{LAYER_ID}{name.title()}",
            code=lambda_.Code.from_asset(str(layer_zip(name))),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description=f"Runtime dependencies pinned in pyproject.toml, layer {name!r}, "
            "built by layers/build.py",
        )
        for name in names
    }


def function_environment(
    config: StageConfig, bucket: s3.IBucket, bus: events.IEventBus
) -> dict[str, str]:
    """What shared.settings reads, the same for every function (it finds tables by prefix)."""
    return {
        "APP_ENV": "aws",
        "STAGE": config.stage,
        "RESOURCE_PREFIX": config.prefix,
        "ARTIFACTS_BUCKET": bucket.bucket_name,
        "EVENT_BUS_NAME": bus.event_bus_name,
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE_NAME,
        "POWERTOOLS_LOG_LEVEL": config.log_level,
        **config.security_headers,
    }


class ServiceFunction(Construct):
    """One registry entry's Lambda function with its own role and log group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: FunctionSpec,
        resources: FunctionResources,
    ) -> None:
        super().__init__(scope, construct_id)
        config = resources.config
        name = function_name(config.prefix, spec.name)
        self.spec = spec
        self.log_group = stage_log_group(self, "Logs", f"/aws/lambda/{name}", config)
        # Our own role rather than the default one: the default attaches the AWS-managed
        # AWSLambdaBasicExecutionRole (logs on every log group); this one writes to its own.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{name}: its log group and the grants its registry entry lists",
        )
        self.log_group.grant_write(self.role)
        placement = self._placement(resources)
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            description=spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=spec.handler,
            code=lambda_.Code.from_asset(str(stage_function(spec))),
            layers=self._layers(resources),
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_seconds),
            log_group=self.log_group,
            environment=self._environment(resources),
            **placement,
        )

        self._grant(resources)

    def _placement(self, resources: FunctionResources) -> dict[str, Any]:
        """Tracing, role, network and dead-letter queue. An `isolated_network` function (user
        code) sits in the isolated subnets with no X-Ray, no DLQ and a role CDK cannot add
        to (it would attach AWSLambdaVPCAccessExecutionRole, logs on every group): its log
        group and the network-interface calls Lambda makes to place it in the VPC, nothing
        else."""
        if not isolated_network(self.spec):
            return {
                "tracing": lambda_.Tracing.ACTIVE,
                "role": self.role,
                # API calls and Step Functions tasks are synchronous; an asynchronous
                # invocation that still fails (a schedule, a retry tool) lands in the one
                # alarmed DLQ.
                "dead_letter_queue": resources.dead_letter_queue,
            }
        network = IsolatedNetwork.of(self)
        # Describe* has no resource-level permission, and the interfaces Lambda creates are
        # named at run time (cdk-nag's IAM5 entry says so).
        self.role.add_to_policy(iam.PolicyStatement(actions=list(ENI_ACTIONS), resources=["*"]))
        return {
            "tracing": lambda_.Tracing.DISABLED,
            "role": self.role.without_policy_updates(),
            "vpc": network.vpc,
            "vpc_subnets": SUBNETS,
            "security_groups": [network.security_group],
        }

    def _layers(self, resources: FunctionResources) -> list[lambda_.ILayerVersion]:
        """Exactly the layers `layers_for(spec)` names, in that order."""
        missing = [name for name in layers_for(self.spec) if name not in resources.layers]
        if missing:
            raise ValueError(f"{self.spec.name}: no dependency layer {missing} in the stack")
        return [resources.layers[name] for name in layers_for(self.spec)]

    def _environment(self, resources: FunctionResources) -> dict[str, str]:
        """The shared environment; a signer also gets the admin key secret's ARN."""
        environment = dict(resources.environment)
        if signs_tokens(self.spec):
            environment[ADMIN_API_KEY_SECRET_VARIABLE] = resources.admin_api_key_secret.secret_arn
        return environment

    def _grant(self, resources: FunctionResources) -> None:
        """Exactly what the entry lists: its tables, the bucket, the bus, the token secrets,
        provider keys and Bedrock."""
        if isolated_network(self.spec) and _grants_anything(self.spec):
            raise ValueError(f"{self.spec.name}: an isolated_network function gets no grants")
        for table_key, access in self.spec.tables.items():
            if table_key not in resources.tables:
                raise ValueError(f"{self.spec.name}: no table {table_key!r} in the stack")
            grant_table(resources.tables[table_key], self.function, access)
        if self.spec.bucket is not None:
            grant_bucket(resources.bucket, self.function, self.spec.bucket)
        if self.spec.publishes_events:
            grant_put_events(resources.bus, self.function)
        grant_token_secrets(
            resources.signing_key_secret,
            resources.admin_api_key_secret,
            self.function,
            verifies=authenticates(self.spec),
            signs=signs_tokens(self.spec),
        )
        if self.spec.provider_keys is not None:
            grant_provider_keys(
                self.function,
                self.spec.provider_keys,
                provider_keys_arn(self, resources.config.prefix),
            )
            # A function that calls providers may call Bedrock, which signs with this role.
            grant_bedrock(self.function, bedrock_model_arns(self))
        if (channels := channel_secrets(self.spec)) is not None:
            grant_channel_secrets(
                self.function, channels, channel_secrets_arn(self, resources.config.prefix)
            )
        if (ssh := ssh_secrets(self.spec)) is not None:
            grant_ssh_secrets(self.function, ssh, ssh_secrets_arn(self, resources.config.prefix))
        if (vault := vault_secrets(self.spec)) is not None:
            grant_vault_secrets(
                self.function, vault, vault_secrets_arn(self, resources.config.prefix)
            )
        if checks_health(self.spec):
            grant_health_checks(
                self.function,
                stack_queues_arn(self, resources.config.prefix),
                stack_state_machines_arn(self, resources.config.prefix),
            )
        if wipes_team_secrets(self.spec):
            prefix = resources.config.prefix
            grant_wipe_team_secrets(
                self.function,
                [
                    provider_keys_arn(self, prefix),
                    channel_secrets_arn(self, prefix),
                    ssh_secrets_arn(self, prefix),
                    vault_secrets_arn(self, prefix),
                ],
            )
        if sends_email(self.spec):
            grant_send_email(self.function, email_identities_arn(self))

    def control_executions(self, state_machine: sfn.StateMachine) -> None:
        """STATE_MACHINE_ARN and the execution-control grants on `state_machine`.

        A separate step, not a constructor argument: the state machine is built after the
        worker it invokes, and only entries with `controls_executions` get this."""
        if not self.spec.controls_executions:
            raise ValueError(f"{self.spec.name} does not control executions (registry)")
        self.function.add_environment(STATE_MACHINE_ARN_VARIABLE, state_machine.state_machine_arn)
        grant_execution_control(state_machine, self.function)


def _grants_anything(spec: FunctionSpec) -> bool:
    return bool(
        spec.tables
        or spec.bucket
        or spec.publishes_events
        or spec.controls_executions
        or authenticates(spec)
        or spec.provider_keys
        or channel_secrets(spec)
        or ssh_secrets(spec)
        or vault_secrets(spec)
        or wipes_team_secrets(spec)
        or checks_health(spec)
        or sends_email(spec)
        or invokes(spec)
    )


def connect_invocations(functions: Mapping[str, ServiceFunction]) -> None:
    """lambda:InvokeFunction for every function on exactly the functions its entry's
    `invokes` names (all are built by then: a name with no function fails the synth)."""
    for built in functions.values():
        for target in invokes(built.spec):
            if target not in functions:
                raise ValueError(f"{built.spec.name}: invokes {target!r}, no such function")
            functions[target].function.grant_invoke(built.function)


def connect_execution_control(
    functions: Iterable[ServiceFunction], state_machine: sfn.StateMachine
) -> list[ServiceFunction]:
    """Give every function whose entry says `controls_executions` control of the state
    machine; return those that got it."""
    connected = [built for built in functions if built.spec.controls_executions]
    for built in connected:
        built.control_executions(state_machine)
    return connected

"""Every acknowledged cdk-nag finding, in one reviewed file.

Each entry names the finding exactly as cdk-nag reports it, the constructs it applies to
(paths below the stack, `fnmatch` patterns) and why it is acceptable. An entry that matches
no construct fails the synth, so the list cannot keep stale excuses.

Two parts. `ACKNOWLEDGEMENTS`: fixed findings of the stack's shape. `access_acknowledgements`:
the wildcards that CDK's grants print for the access a registry entry declares (a bucket or
table read, execution control, provider calls); each kind has one reason written here, and
applies to exactly the roles of the entries that declare that access, so a new route group
or worker that asks for the same access needs no edit here, and nothing else gets it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from constructs import IConstruct

from functions.registry import WORKFLOWS_STATE_MACHINE
from infra.constructs.live import manages_connections
from infra.names import schedule_group_name, state_machine_name
from infra.specs import (
    FunctionSpec,
    channel_secrets,
    checks_health,
    invokes,
    manages_schedules,
    runs_workflows,
    sends_email,
    ssh_secrets,
    vault_secrets,
    wipes_team_secrets,
)
from shared.db.tables import TABLES_BY_KEY

if TYPE_CHECKING:
    from infra.stacks.factory import FactoryStack


@dataclass(frozen=True, slots=True)
class NagAcknowledgement:
    # The rule, with the finding in brackets where cdk-nag reports one (IAM5 does).
    rule: str
    # Construct paths below the stack (fnmatch patterns); each must match at least one.
    paths: tuple[str, ...]
    reason: str

    @property
    def validation_id(self) -> str:
        """The id CDK's validation report uses: `<pack>::<rule>`."""
        return f"{self.rule.split('-', 1)[0]}::{self.rule}"


ACKNOWLEDGEMENTS: tuple[NagAcknowledgement, ...] = (
    NagAcknowledgement(
        rule="AwsSolutions-APIG4",
        paths=(
            "Api/Stack/ANY*/Resource",
            "Api/Stack/DefaultRoute/Resource",
            "Live/WebSocketApi/*-Route/Resource",
        ),
        reason="Authorization happens in the functions, not in API Gateway: a request may "
        "carry a JWT, an API key or an X-Agent-Token, which no single API Gateway "
        "authorizer verifies, and health probes, register/login, signed webhook ingest "
        "and the OpenAPI document are public by design (shared auth dependency, API.md). "
        "The WebSocket API's $connect checks the token or API key of ?token= (a wrong one "
        "is refused) and a socket opened without one must authenticate with its first "
        "message or is closed, which no authorizer on $connect could allow.",
    ),
    NagAcknowledgement(
        rule="AwsSolutions-IAM5[Resource::*]",
        paths=(
            "Api/*/Role/DefaultPolicy/Resource",
            "Workers/*/Role/DefaultPolicy/Resource",
            "Live/*/Role/DefaultPolicy/Resource",
            "Pipeline/Role/DefaultPolicy/Resource",
            "Workflows/Role/DefaultPolicy/Resource",
        ),
        reason="Only actions that support no resource-level permission use '*': X-Ray's "
        "trace and sampling calls (Tracing.ACTIVE on functions, tracing on the state "
        "machine), bedrock:ListFoundationModels (the provider check, for functions whose "
        "registry entry has provider_keys) and the CloudWatch Logs log-delivery calls Step "
        "Functions needs to log to its log group (logs:*LogDelivery*, *ResourcePolicy*, "
        "DescribeLogGroups), and the network-interface calls Lambda makes with an "
        "isolated_network function's role to place it in its VPC (ec2:Describe* has no "
        "resource-level permission; the interfaces are named at run time), and "
        "secretsmanager:ListSecrets for a worker that wipes a team's secrets (the team_wipe "
        "worker finds them by name prefix; IAM authorizes ListSecrets on '*' only, and its "
        "DeleteSecret is on the secret kinds' paths). Every table, "
        "bucket, bus, queue, function and log-group statement names its ARN.",
    ),
    NagAcknowledgement(
        rule="Serverless-LambdaDLQ",
        paths=("Workers/sandbox/Function/Resource",),
        reason="The sandbox (user code) is only ever invoked synchronously "
        "(shared/sandbox/client.py: RequestResponse), whose failures go back to the caller; "
        "Lambda never retries it or sends it anywhere, and a dead-letter target would put "
        "sqs:SendMessage on the one role that must hold nothing but its logs.",
    ),
    NagAcknowledgement(
        rule="Serverless-LambdaTracing",
        paths=("Workers/sandbox/Function/Resource",),
        reason="X-Ray is off for the sandbox on purpose: active tracing grants its role "
        "xray:PutTraceSegments on '*', and the role of the function that runs user code may "
        "only write its own logs. Its callers' traces show each invocation's duration.",
    ),
    NagAcknowledgement(
        rule="AwsSolutions-VPC7",
        paths=("IsolatedNetwork/Vpc/Resource",),
        reason="The sandbox's VPC (infra/constructs/sandbox.py) has isolated subnets only, "
        "no NAT or internet gateway, no endpoint and one security group with no egress: no "
        "packet leaves it, and it holds nothing but the sandbox function's interfaces. Flow "
        "logs would record only refused attempts, which the child's audit hook refuses first "
        "(the run fails naming the attempt), at the cost of four resources in a stack near "
        "CloudFormation's 500.",
    ),
    NagAcknowledgement(
        rule="AwsSolutions-L1",
        paths=(
            "Api/*/Function/Resource",
            "Workers/*/Function/Resource",
            "Live/*/Function/Resource",
        ),
        reason="Functions run Python 3.12 on purpose: the dependency layer is built for "
        "cp312 wheels, pyproject.toml requires >=3.12,<3.13 and the local runtime and tests "
        "use 3.12. Moving to a newer runtime is one change to all three, made deliberately.",
    ),
    NagAcknowledgement(
        rule="Serverless-LambdaLatestVersion",
        paths=(
            "Api/*/Function/Resource",
            "Workers/*/Function/Resource",
            "Live/*/Function/Resource",
        ),
        reason="Same as AwsSolutions-L1: Python 3.12 is pinned so that the layer's cp312 "
        "wheels, pyproject.toml's requires-python and the local runtime all agree.",
    ),
    NagAcknowledgement(
        rule="AwsSolutions-SMG4",
        paths=("Secrets/AdminApiKey/Resource",),
        reason="The admin API key is a shared secret that operators hold outside AWS: an "
        "operator rotates it with `aws secretsmanager put-secret-value` and hands the new "
        "value on; a rotation Lambda could not tell its holders. It is encrypted and "
        "readable only by the auth function. (The JWT signing key does rotate: "
        "functions/key_rotation.)",
    ),
    NagAcknowledgement(
        rule="Serverless-SQSRedrivePolicy",
        paths=("Events/DeadLetterQueue/Resource", "Queues/*/DeadLetterQueue/Resource"),
        reason="These queues are the dead-letter queues themselves, the end of the line for "
        "failed events, invocations and queue messages: messages stay 14 days, an alarm "
        "fires on the first one, the dead-letter archiver keeps them as /dead-letter items "
        "and operators retry them from there; redriving a DLQ would only need another queue.",
    ),
    NagAcknowledgement(
        rule="Serverless-LambdaEventSourceMappingDestination",
        paths=("Workers/*/Function/SqsEventSource:*/Resource",),
        reason="An SQS event-source mapping has no on-failure destination (Lambda offers one "
        "for streams and Kafka only): a record the consumer fails is reported as a batch "
        "item failure and returns to its queue, whose redrive policy moves it to that "
        "queue's own dead-letter queue after max_receive_count receives (shared/queues.py).",
    ),
)


BUCKET_REASON = (
    "CDK's grant_read / grant_read_write on the artifacts bucket, as the function's registry "
    "entry asks: object actions on `<bucket ARN>/*` (job trees, ZIPs, phase outputs and "
    "uploads live under keys made at run time) and CDK's action families (s3:GetObject*, "
    "s3:List*, ...), on this one private, TLS-only bucket and its objects, no other bucket."
)
TABLE_INDEX_REASON = (
    "CDK's read / read_write grant on a table covers that table's own indexes "
    "(`<table ARN>/index/*`): the function queries the GSIs shared/db/tables.py defines for "
    "it, as its registry entry asks; the wildcard reaches no other table."
)
WORKFLOW_RUNS_REASON = (
    "states:StopExecution and states:DescribeExecution on the executions of the workflows "
    "state machine only, for functions whose registry entry runs workflows: each run's "
    "execution is named by its run id at run time, so no fixed ARN exists; no other state "
    "machine matches."
)
EXECUTIONS_REASON = (
    "states:StopExecution and states:DescribeExecution on the executions of the generation "
    "state machine only, for functions whose registry entry controls executions: each job's "
    "execution is named at run time, so no fixed ARN exists; no other state machine matches."
)
PROVIDER_KEYS_REASON = (
    "Teams' LLM provider keys are one secret each, named `<prefix>/teams/<team>/providers/"
    "<name>` when a team adds a provider, so no fixed ARN exists: the grant is on that name "
    "prefix in this account and region (the `*` also covers the suffix Secrets Manager adds), "
    "read-only for functions that call providers, create/replace/delete for the provider "
    "routes, as each registry entry's `provider_keys` says."
)
BEDROCK_MODELS_REASON = (
    "bedrock:InvokeModel (what Converse is authorized as) for functions whose registry entry "
    "has provider_keys: teams choose Bedrock models and inference profiles at run time, so no "
    "fixed ARN exists. The grant is on foundation models (any region: a cross-region "
    "inference profile invokes the model in each region it routes to, and IAM checks each) "
    "and on this account's inference profiles in this region; the one other Bedrock action, "
    "ListFoundationModels, has no resource type."
)
CONNECTIONS_REASON = (
    "execute-api:ManageConnections on this WebSocket API's `ws` stage only: a connection's "
    "id is API Gateway's, known at run time, and the Management API's method (POST to "
    "push, DELETE to close a gone or unauthenticated socket) is part of the ARN."
)
SCHEDULES_REASON = (
    "scheduler:CreateSchedule, UpdateSchedule and DeleteSchedule on the schedules of the "
    "product's one group, `<prefix>-schedules`, for functions whose registry entry "
    "manages_schedules: each one-time schedule (a wait longer than SQS's 15 minutes) and each "
    "schedule trigger's schedule is named when it is made, so no fixed ARN exists; no other "
    "group matches, and iam:PassRole names the one role "
    "those schedules run with, which may only send to the product's queues."
)
CHANNEL_SECRETS_REASON = (
    "Notification channels' secrets (Slack and webhook URLs, Telegram bot tokens) are one "
    "secret each, named `<prefix>/channels/<team>/<channel>` when an admin adds a channel, so "
    "no fixed ARN exists: the grant is on that name prefix in this account and region (the "
    "`*` also covers the suffix Secrets Manager adds), read-only for the delivery worker, "
    "create/replace/delete for the channel routes, as each registry entry's `channel_secrets` "
    "says; the providers' keys (`<prefix>/teams/*`) are not reached."
)
SSH_SECRETS_REASON = (
    "SSH connections' credentials (a password or a private key) are one secret each, named "
    "`<prefix>/ssh/<team>/<connection>` when an admin adds a connection, so no fixed ARN "
    "exists: the grant is on that name prefix in this account and region (the `*` also "
    "covers the suffix Secrets Manager adds), read-only for the SSH runner, create/replace/"
    "delete for the connection routes, as each registry entry's `ssh_secrets` says; neither "
    "the providers' keys nor the channels' secrets are reached."
)
VAULT_SECRETS_REASON = (
    "The secrets vault's values are one secret each, named `<prefix>/vault/<team>/<secret>` "
    "when an admin stores a secret, so no fixed ARN exists: the grant is on that name prefix "
    "in this account and region (the `*` also covers the suffix Secrets Manager adds), "
    "read-only for the functions that use a secret by name (channel delivery, the connector "
    "runner, trigger actions), create/rotate/reveal/delete for the secrets routes, as each "
    "registry entry's `vault_secrets` says; no other kind of secret is reached."
)
HEALTH_REASON = (
    "sqs:GetQueueUrl and GetQueueAttributes on the stack's queues, states:DescribeStateMachine "
    "on its state machines, for functions whose registry entry checks_health (GET "
    "/settings/health): every queue and state machine the stack builds is named "
    "`<prefix>-...`, and the check reads each one's state by that name; the grant reads no "
    "message, starts nothing and reaches no other stack's queues or state machines."
)
# Appended to each secret kind's reason: the worker that wipes a team may delete them too.
WIPE_SECRETS_NOTE = (
    " A worker whose registry entry wipes_team_secrets (a team's wipe) may only delete them."
)
SEND_EMAIL_REASON = (
    "ses:SendEmail for functions whose registry entry sends_email (notification e-mail): "
    "the sender is an SES identity the operator verifies in this account and region (an "
    "address or its domain), not a resource of this stack, so the grant is on this account's "
    "identities in this region; no other SES action is granted."
)
INVOKES_REASON = (
    "lambda:InvokeFunction on exactly the worker functions a registry entry `invokes` (the "
    "sandbox that runs user code, say): CDK's grant_invoke names the function's ARN and "
    "`<ARN>:*`, its versions and aliases, for a caller invoking a qualified name; no other "
    "function matches."
)
# What CDK's bucket grants print beyond a plain ARN, per access level.
BUCKET_READ_ACTIONS = ("s3:GetObject*", "s3:GetBucket*", "s3:List*")
BUCKET_WRITE_ACTIONS = ("s3:DeleteObject*", "s3:Abort*")
# infra.grants.bedrock_model_arns as cdk-nag prints them.
BEDROCK_MODEL_FINDINGS = (
    "arn:<AWS::Partition>:bedrock:*::foundation-model/*",
    "arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:inference-profile/*",
)


def access_acknowledgements(stack: FactoryStack) -> tuple[NagAcknowledgement, ...]:
    """The findings each function's registry entry implies, on that function's role only."""
    functions = stack.functions

    def policies(wanted: Callable[[FunctionSpec], bool]) -> tuple[str, ...]:
        return tuple(
            _relative_path(stack, built.role) + "/DefaultPolicy/Resource"
            for built in functions.values()
            if wanted(built.spec)
        )

    def entry(finding: str, paths: tuple[str, ...], reason: str) -> list[NagAcknowledgement]:
        rule = f"AwsSolutions-IAM5[{finding}]"
        return [NagAcknowledgement(rule=rule, paths=paths, reason=reason)] if paths else []

    reads_bucket = policies(lambda spec: spec.bucket in ("read", "read_write"))
    writes_bucket = policies(lambda spec: spec.bucket == "read_write")
    bucket = _logical_id(stack, stack.artifacts.bucket)
    found = entry(f"Resource::<{bucket}.Arn>/*", reads_bucket, BUCKET_REASON)
    for action in BUCKET_READ_ACTIONS:
        found += entry(f"Action::{action}", reads_bucket, BUCKET_REASON)
    for action in BUCKET_WRITE_ACTIONS:
        found += entry(f"Action::{action}", writes_bucket, BUCKET_REASON)
    for key, table in stack.data.tables.items():
        if not TABLES_BY_KEY[key].indexes:
            continue  # CDK adds `/index/*` only for a table that has indexes
        readers = policies(_reads_table(key))
        index_arns = f"Resource::<{_logical_id(stack, table)}.Arn>/index/*"
        found += entry(index_arns, readers, TABLE_INDEX_REASON)
    calls_providers = policies(lambda spec: spec.provider_keys is not None)
    found += entry(
        "Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:"
        f"{stack.config.prefix}/teams/*",
        policies(lambda spec: spec.provider_keys is not None or wipes_team_secrets(spec)),
        PROVIDER_KEYS_REASON + WIPE_SECRETS_NOTE,
    )
    found += entry(
        "Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:"
        f"{stack.config.prefix}/channels/*",
        policies(lambda spec: channel_secrets(spec) is not None or wipes_team_secrets(spec)),
        CHANNEL_SECRETS_REASON + WIPE_SECRETS_NOTE,
    )
    found += entry(
        "Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:"
        f"{stack.config.prefix}/ssh/*",
        policies(lambda spec: ssh_secrets(spec) is not None or wipes_team_secrets(spec)),
        SSH_SECRETS_REASON + WIPE_SECRETS_NOTE,
    )
    found += entry(
        "Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:"
        f"{stack.config.prefix}/vault/*",
        policies(lambda spec: vault_secrets(spec) is not None or wipes_team_secrets(spec)),
        VAULT_SECRETS_REASON + WIPE_SECRETS_NOTE,
    )
    health = policies(checks_health)
    found += entry(
        "Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:"
        f"{stack.config.prefix}-*",
        health,
        HEALTH_REASON,
    )
    found += entry(
        "Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:"
        f"{stack.config.prefix}-*",
        health,
        HEALTH_REASON,
    )
    found += entry(
        "Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*",
        policies(sends_email),
        SEND_EMAIL_REASON,
    )
    for model_arns in BEDROCK_MODEL_FINDINGS:
        found += entry(f"Resource::{model_arns}", calls_providers, BEDROCK_MODELS_REASON)
    found += entry(
        "Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/"
        f"{schedule_group_name(stack.config.prefix)}/*",
        policies(manages_schedules),
        SCHEDULES_REASON,
    )
    found += entry(
        "Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:"
        f"<{_logical_id(stack, stack.live.api)}>/ws/*/@connections/*",
        policies(manages_connections),
        CONNECTIONS_REASON,
    )
    for target, built in functions.items():
        callers = policies(lambda spec, name=target: name in invokes(spec))  # type: ignore[misc]
        function_arn = _logical_id(stack, built.function)
        found += entry(f"Resource::<{function_arn}.Arn>:*", callers, INVOKES_REASON)
    state_machine = _logical_id(stack, stack.pipeline.state_machine)
    found += entry(
        "Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
        f"<{state_machine}.Name>:*",
        policies(lambda spec: spec.controls_executions),
        EXECUTIONS_REASON,
    )
    found += entry(
        "Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
        f"{state_machine_name(stack.config.prefix, WORKFLOWS_STATE_MACHINE)}:*",
        policies(runs_workflows),
        WORKFLOW_RUNS_REASON,
    )
    return tuple(found)


def _reads_table(key: str) -> Callable[[FunctionSpec], bool]:
    return lambda spec: spec.tables.get(key) in ("read", "read_write")


def acknowledgements(stack: FactoryStack) -> tuple[NagAcknowledgement, ...]:
    """Everything acknowledged in `stack`: the fixed list and what the registry implies."""
    return ACKNOWLEDGEMENTS + access_acknowledgements(stack)


def _logical_id(stack: Stack, construct: IConstruct) -> str:
    """How cdk-nag names one of our resources inside a finding: `<LogicalId.Attr>`."""
    element = construct.node.default_child
    assert isinstance(element, CfnElement), construct.node.path
    logical_id: str = stack.resolve(element.logical_id)
    return logical_id


def _relative_path(stack: Stack, construct: IConstruct) -> str:
    return construct.node.path.removeprefix(stack.node.path + "/")


def _constructs_by_path(stack: Stack) -> dict[str, IConstruct]:
    # Read once: every path is a call into the jsii runtime, and entries times constructs of
    # them made this the slowest part of a synth.
    return {_relative_path(stack, construct): construct for construct in stack.node.find_all()}


def targets(
    stack: Stack, entry: NagAcknowledgement, by_path: dict[str, IConstruct] | None = None
) -> list[IConstruct]:
    by_path = by_path if by_path is not None else _constructs_by_path(stack)
    return [
        construct
        for path, construct in by_path.items()
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in entry.paths)
    ]


def acknowledge(stack: FactoryStack) -> None:
    by_path = _constructs_by_path(stack)
    for entry in acknowledgements(stack):
        found = targets(stack, entry, by_path)
        if not found:
            raise ValueError(f"cdk-nag acknowledgement {entry.rule} matches nothing: {entry}")
        for construct in found:
            Validations.of(construct).acknowledge(
                Acknowledgment(id=entry.validation_id, reason=entry.reason)
            )

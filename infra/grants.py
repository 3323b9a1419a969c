"""Registry access levels to IAM: exactly what a registry entry names, nothing wider.

`describe` and `list` are hand-written single statements (readiness needs no data access);
`read` and `read_write` are CDK's own grants, which name every action explicitly.
`publishes_events` is `events:PutEvents` on the one bus; `controls_executions` is the
execution-control actions on the generation state machine and its executions only.
`authenticates` / `signs_tokens` are hand-written statements on the two token secrets
(CDK's `grant_read` / `grant_write` would add actions the code never calls). `provider_keys`
is the teams' provider key secrets and the Bedrock calls the provider client makes.
`sends_to` is `sqs:SendMessage` on each named queue; `manages_schedules` is creating,
updating and deleting schedules of the product's one group and passing the one role they
run with.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from functions.registry import (
    BucketAccess,
    ChannelSecretAccess,
    ProviderKeyAccess,
    SshSecretAccess,
    TableAccess,
    VaultSecretAccess,
)


def grant_table(table: dynamodb.ITableV2, grantee: iam.IGrantable, access: TableAccess) -> None:
    """Grant exactly what a registry entry asks for on one table."""
    match access:
        case "describe":
            # Readiness only: a control-plane call on the table itself, no item access.
            iam.Grant.add_to_principal(
                grantee=grantee, actions=["dynamodb:DescribeTable"], resource_arns=[table.table_arn]
            )
        case "read":
            table.grant_read_data(grantee)
        case "read_write":
            table.grant_read_write_data(grantee)
        case _:
            raise ValueError(f"unknown table access {access!r}")


def grant_bucket(bucket: s3.IBucket, grantee: iam.IGrantable, access: BucketAccess) -> None:
    """Grant exactly what a registry entry asks for on the artifacts bucket."""
    match access:
        case "list":
            # Readiness only: list the bucket, read no object.
            iam.Grant.add_to_principal(
                grantee=grantee, actions=["s3:ListBucket"], resource_arns=[bucket.bucket_arn]
            )
        case "read":
            bucket.grant_read(grantee)
        case "read_write":
            bucket.grant_read_write(grantee)
        case _:
            raise ValueError(f"unknown bucket access {access!r}")


def grant_put_events(bus: events.IEventBus, grantee: iam.IGrantable) -> None:
    """`events:PutEvents` on the domain bus, nothing else (no rules, no other bus)."""
    bus.grant_put_events_to(grantee)


# Starting a job's execution is authorized on the state machine itself.
START_ACTIONS = ("states:StartExecution",)
# Stopping and inspecting one are authorized on the execution's ARN.
EXECUTION_ACTIONS = ("states:StopExecution", "states:DescribeExecution")
# Answering a waitForTaskToken task (approval gates): authorized on the state machine, as
# CDK's own `grant_task_response` does; the token itself names the execution.
TASK_RESPONSE_ACTIONS = (
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
)


def execution_arns(state_machine: sfn.StateMachine) -> str:
    """Every execution of `state_machine`: `arn:...:execution:<state machine name>:*`.

    Built from the state machine's Name attribute (not the literal physical name), so the
    template, and cdk-nag's finding for this wildcard, read the same in every stage."""
    return Stack.of(state_machine).format_arn(
        service="states",
        resource="execution",
        resource_name=f"{state_machine.state_machine_name}:*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def _secrets_under(scope: Construct, resource_prefix: str, kind: str) -> str:
    """Every secret of one kind: `arn:...:secret:<prefix>/<kind>/*` (the `*` also covers the
    random suffix Secrets Manager adds to a secret's name), no other kind's."""
    return Stack.of(scope).format_arn(
        service="secretsmanager",
        resource="secret",
        resource_name=f"{resource_prefix}/{kind}/*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def _grant_secret_actions(grantee: iam.IGrantable, actions: tuple[str, ...], arn: str) -> None:
    iam.Grant.add_to_principal(grantee=grantee, actions=list(actions), resource_arns=[arn])


# Teams' provider keys, one secret each under `<prefix>/teams/`: named at run time, so the
# grant is on that name prefix, in this account and region only.
READ_PROVIDER_KEY_ACTIONS = ("secretsmanager:GetSecretValue",)
MANAGE_PROVIDER_KEY_ACTIONS = (
    "secretsmanager:GetSecretValue",
    "secretsmanager:DescribeSecret",
    "secretsmanager:CreateSecret",
    "secretsmanager:TagResource",
    "secretsmanager:PutSecretValue",
    "secretsmanager:RestoreSecret",
    "secretsmanager:DeleteSecret",
)


def provider_keys_arn(scope: Construct, resource_prefix: str) -> str:
    """Every team's provider key secret: `arn:...:secret:<prefix>/teams/*` (the `*` also
    covers the random suffix Secrets Manager adds to a secret's name)."""
    return _secrets_under(scope, resource_prefix, "teams")


def grant_provider_keys(
    grantee: iam.IGrantable, access: ProviderKeyAccess, secrets_arn: str
) -> None:
    actions = READ_PROVIDER_KEY_ACTIONS if access == "read" else MANAGE_PROVIDER_KEY_ACTIONS
    _grant_secret_actions(grantee, actions, secrets_arn)


# Notification channels' secrets, one secret each under `<prefix>/channels/`
# (shared/notifications/channel_secrets.py): a reader asks for the version its channel
# names; the channel routes create, add versions to and delete them (and restore one a
# change of type had scheduled for deletion, when the type changes back).
READ_CHANNEL_SECRET_ACTIONS = ("secretsmanager:GetSecretValue",)
MANAGE_CHANNEL_SECRET_ACTIONS = (
    "secretsmanager:GetSecretValue",
    "secretsmanager:CreateSecret",
    "secretsmanager:TagResource",
    "secretsmanager:PutSecretValue",
    "secretsmanager:DescribeSecret",
    "secretsmanager:RestoreSecret",
    "secretsmanager:DeleteSecret",
)


def channel_secrets_arn(scope: Construct, resource_prefix: str) -> str:
    """Every channel's secret: `arn:...:secret:<prefix>/channels/*` (the `*` also covers
    the random suffix Secrets Manager adds), never the providers' `<prefix>/teams/*`."""
    return _secrets_under(scope, resource_prefix, "channels")


def grant_channel_secrets(
    grantee: iam.IGrantable, access: ChannelSecretAccess, secrets_arn: str
) -> None:
    actions = READ_CHANNEL_SECRET_ACTIONS if access == "read" else MANAGE_CHANNEL_SECRET_ACTIONS
    _grant_secret_actions(grantee, actions, secrets_arn)


# SSH connections' credentials, one secret each under `<prefix>/ssh/`
# (shared/ssh/secrets.py): the runner reads the version its connection names; the
# connection routes create, add versions to and delete them.
READ_SSH_SECRET_ACTIONS = ("secretsmanager:GetSecretValue",)
MANAGE_SSH_SECRET_ACTIONS = (
    "secretsmanager:GetSecretValue",
    "secretsmanager:CreateSecret",
    "secretsmanager:TagResource",
    "secretsmanager:PutSecretValue",
    "secretsmanager:DeleteSecret",
)


def ssh_secrets_arn(scope: Construct, resource_prefix: str) -> str:
    """Every SSH connection's secret: `arn:...:secret:<prefix>/ssh/*` (the `*` also covers
    the random suffix Secrets Manager adds), neither the providers' nor the channels'."""
    return _secrets_under(scope, resource_prefix, "ssh")


def grant_ssh_secrets(grantee: iam.IGrantable, access: SshSecretAccess, secrets_arn: str) -> None:
    actions = READ_SSH_SECRET_ACTIONS if access == "read" else MANAGE_SSH_SECRET_ACTIONS
    _grant_secret_actions(grantee, actions, secrets_arn)


# The secrets vault's values, one secret each under `<prefix>/vault/`
# (shared/vault/values.py): a function using a secret by name reads the version its
# metadata names; the secrets routes create, add versions to (rotate), read (reveal),
# restore and delete them.
READ_VAULT_SECRET_ACTIONS = ("secretsmanager:GetSecretValue",)
MANAGE_VAULT_SECRET_ACTIONS = (
    "secretsmanager:GetSecretValue",
    "secretsmanager:CreateSecret",
    "secretsmanager:TagResource",
    "secretsmanager:PutSecretValue",
    "secretsmanager:DescribeSecret",
    "secretsmanager:RestoreSecret",
    "secretsmanager:DeleteSecret",
)


def vault_secrets_arn(scope: Construct, resource_prefix: str) -> str:
    """Every vault secret: `arn:...:secret:<prefix>/vault/*` (the `*` also covers the
    random suffix Secrets Manager adds), no other kind's."""
    return _secrets_under(scope, resource_prefix, "vault")


def grant_vault_secrets(
    grantee: iam.IGrantable, access: VaultSecretAccess, secrets_arn: str
) -> None:
    actions = READ_VAULT_SECRET_ACTIONS if access == "read" else MANAGE_VAULT_SECRET_ACTIONS
    _grant_secret_actions(grantee, actions, secrets_arn)


# A health check (GET /settings/health) reads each queue's state by name and each state
# machine's description: the queues and state machines are the stack's, all named
# `<prefix>-...`, so the grant is on that name prefix in this account and region.
HEALTH_QUEUE_ACTIONS = ("sqs:GetQueueUrl", "sqs:GetQueueAttributes")
HEALTH_STATE_MACHINE_ACTIONS = ("states:DescribeStateMachine",)


def stack_queues_arn(scope: Construct, resource_prefix: str) -> str:
    """Every queue of the stack: `arn:...:sqs:<region>:<account>:<prefix>-*`."""
    return Stack.of(scope).format_arn(service="sqs", resource=f"{resource_prefix}-*")


def stack_state_machines_arn(scope: Construct, resource_prefix: str) -> str:
    """Every state machine of the stack: `arn:...:stateMachine:<prefix>-*`."""
    return Stack.of(scope).format_arn(
        service="states",
        resource="stateMachine",
        resource_name=f"{resource_prefix}-*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def grant_health_checks(grantee: iam.IGrantable, queues_arn: str, state_machines_arn: str) -> None:
    iam.Grant.add_to_principal(
        grantee=grantee, actions=list(HEALTH_QUEUE_ACTIONS), resource_arns=[queues_arn]
    )
    iam.Grant.add_to_principal(
        grantee=grantee,
        actions=list(HEALTH_STATE_MACHINE_ACTIONS),
        resource_arns=[state_machines_arn],
    )


# A team's wipe (functions/team_wipe): its secrets of every kind are found by name prefix
# (`<prefix>/<kind>/<team>/`) with ListSecrets, an action IAM authorizes on "*" only, and
# each is deleted: DeleteSecret on the four kinds' paths, nothing read or written.
LIST_SECRETS_ACTIONS = ("secretsmanager:ListSecrets",)
WIPE_SECRET_ACTIONS = ("secretsmanager:DeleteSecret",)


def grant_wipe_team_secrets(grantee: iam.IGrantable, secrets_arns: list[str]) -> None:
    iam.Grant.add_to_principal(
        grantee=grantee, actions=list(LIST_SECRETS_ACTIONS), resource_arns=["*"]
    )
    iam.Grant.add_to_principal(
        grantee=grantee, actions=list(WIPE_SECRET_ACTIONS), resource_arns=secrets_arns
    )


# E-mail notifications (sesv2 SendEmail, which IAM authorizes as ses:SendEmail on the
# sending identity): the sender is an identity verified in this account and region,
# chosen by the operator, so the grant is on this account's identities here.
SEND_EMAIL_ACTIONS = ("ses:SendEmail",)


def email_identities_arn(scope: Construct) -> str:
    """Every SES identity of this account in this region: `arn:...:identity/*`."""
    return Stack.of(scope).format_arn(service="ses", resource="identity", resource_name="*")


def grant_send_email(grantee: iam.IGrantable, identities_arn: str) -> None:
    iam.Grant.add_to_principal(
        grantee=grantee, actions=list(SEND_EMAIL_ACTIONS), resource_arns=[identities_arn]
    )


# Amazon Bedrock as shared/llm/providers/bedrock.py calls it: Converse is authorized as
# InvokeModel (the client never streams, so no InvokeModelWithResponseStream), and the
# provider check lists foundation models, an action with no resource type.
INVOKE_MODEL_ACTIONS = ("bedrock:InvokeModel",)
LIST_MODELS_ACTIONS = ("bedrock:ListFoundationModels",)
BEDROCK_ACTIONS = (*INVOKE_MODEL_ACTIONS, *LIST_MODELS_ACTIONS)


def bedrock_model_arns(scope: Construct) -> list[str]:
    """Every foundation model, in any region, and this account's inference profiles here.

    Teams pick models at run time. A cross-region inference profile sends the call on to
    the model in another region, and IAM checks the model there too: hence region `*`."""
    stack = Stack.of(scope)
    return [
        stack.format_arn(
            service="bedrock",
            region="*",
            account="",
            resource="foundation-model",
            resource_name="*",
        ),
        stack.format_arn(service="bedrock", resource="inference-profile", resource_name="*"),
    ]


def grant_bedrock(grantee: iam.IGrantable, model_arns: list[str]) -> None:
    """Invoke the models `model_arns` names; list foundation models (only on "*")."""
    iam.Grant.add_to_principal(
        grantee=grantee, actions=list(INVOKE_MODEL_ACTIONS), resource_arns=model_arns
    )
    iam.Grant.add_to_principal(
        grantee=grantee, actions=list(LIST_MODELS_ACTIONS), resource_arns=["*"]
    )


def grant_execution_control(state_machine: sfn.StateMachine, grantee: iam.IGrantable) -> None:
    """Start, stop, describe, resume and fail executions of this one state machine."""
    iam.Grant.add_to_principal(
        grantee=grantee,
        actions=[*START_ACTIONS, *TASK_RESPONSE_ACTIONS],
        resource_arns=[state_machine.state_machine_arn],
    )
    iam.Grant.add_to_principal(
        grantee=grantee,
        actions=list(EXECUTION_ACTIONS),
        resource_arns=[execution_arns(state_machine)],
    )


# Verifying a token: read the signing key (its public half checks the signature).
VERIFY_ACTIONS = ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret")
# Signing: also create the first key, replacing the placeholder CDK wrote.
CREATE_KEY_ACTIONS = ("secretsmanager:PutSecretValue",)
# Signing: also check `POST /auth/token`'s shared secret (a plain string, read only).
ADMIN_KEY_ACTIONS = ("secretsmanager:GetSecretValue",)


def grant_token_secrets(
    signing_key: secretsmanager.ISecret,
    admin_api_key: secretsmanager.ISecret,
    grantee: iam.IGrantable,
    *,
    verifies: bool,
    signs: bool,
) -> None:
    """Read the signing key to verify tokens; to sign, also write it and read the admin key.

    Each statement names one secret's ARN; the AWS-managed key encrypting them needs no
    grant. Nothing here lets a function delete, rotate or reconfigure either secret."""
    if verifies or signs:
        iam.Grant.add_to_principal(
            grantee=grantee, actions=list(VERIFY_ACTIONS), resource_arns=[signing_key.secret_arn]
        )
    if signs:
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(CREATE_KEY_ACTIONS),
            resource_arns=[signing_key.secret_arn],
        )
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(ADMIN_KEY_ACTIONS),
            resource_arns=[admin_api_key.secret_arn],
        )


# Sending to a queue: SendMessageBatch is authorized as SendMessage; the functions find the
# URL in QUEUE_URL_<KEY>, so no GetQueueUrl, and never read a queue's attributes.
SEND_MESSAGE_ACTIONS = ("sqs:SendMessage",)


def grant_send_messages(queue: sqs.IQueue, grantee: iam.IGrantable) -> None:
    """`sqs:SendMessage` on this one queue (CDK's grant_send_messages adds GetQueueUrl and
    GetQueueAttributes, which the code never calls)."""
    iam.Grant.add_to_principal(
        grantee=grantee, actions=list(SEND_MESSAGE_ACTIONS), resource_arns=[queue.queue_arn]
    )


# One-time schedules (shared.schedules.send_later) and schedule triggers' schedules
# (shared.triggers.scheduler): created, updated (a trigger changed or paused) and deleted in
# the product's group; EventBridge Scheduler authorizes each on the schedule.
SCHEDULE_ACTIONS = (
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
)


def schedules_arn(scope: Construct, group_name: str) -> str:
    """Every schedule of one group: `arn:...:schedule/<group>/*` (named at run time)."""
    return Stack.of(scope).format_arn(
        service="scheduler", resource="schedule", resource_name=f"{group_name}/*"
    )


def grant_manage_schedules(
    grantee: iam.IGrantable, schedules: str, schedule_role: iam.IRole
) -> None:
    """Create and delete schedules matching `schedules` (one group's), and pass the one role
    they run with, to EventBridge Scheduler only."""
    iam.Grant.add_to_principal(
        grantee=grantee, actions=list(SCHEDULE_ACTIONS), resource_arns=[schedules]
    )
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["iam:PassRole"],
            resources=[schedule_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        )
    )

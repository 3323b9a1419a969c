"""Every name and per-stage setting of the deployment, in one place.

Physical names follow `factory-<stage>-<thing>`; the functions find tables, the bus and the
bucket through the environment variables set in infra/constructs/api.py, never by guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_logs as logs

from functions.registry import GENERATION_STATE_MACHINE
from shared.observability import METRICS_NAMESPACE, SERVICE

Stage = Literal["dev", "prod"]
STAGES: tuple[Stage, ...] = ("dev", "prod")
DEFAULT_STAGE: Stage = "dev"

PROJECT = "factory"
SERVICE_NAME = SERVICE
METRICS_NAMESPACE_NAME = METRICS_NAMESPACE

# Construct ids that tests and the cdk-nag acknowledgements refer to.
DATA_ID = "Data"
ARTIFACTS_ID = "Artifacts"
EVENTS_ID = "Events"
API_ID = "Api"
WORKERS_ID = "Workers"
PIPELINE_ID = "Pipeline"
WORKFLOWS_ID = "Workflows"
MONITORING_ID = "Monitoring"
SECRETS_ID = "Secrets"
QUEUES_ID = "Queues"
LAYER_ID = "DependencyLayer"


def resource_prefix(stage: Stage) -> str:
    return f"{PROJECT}-{stage}"


def stack_name(stage: Stage) -> str:
    return resource_prefix(stage)


def bus_name(prefix: str) -> str:
    return f"{prefix}-bus"


def dead_letter_queue_name(prefix: str) -> str:
    return f"{prefix}-dead-letter"


def function_name(prefix: str, group_name: str) -> str:
    return f"{prefix}-{group_name}"


def state_machine_name(prefix: str, name: str = GENERATION_STATE_MACHINE) -> str:
    """`<prefix>-generation`: shared.settings derives the same name for the local emulator."""
    return f"{prefix}-{name}"


def state_machine_log_group_name(prefix: str, name: str = GENERATION_STATE_MACHINE) -> str:
    # /aws/vendedlogs/: CloudWatch Logs' resource policy for vended logs (Step Functions
    # delivers through it) has a size limit that this prefix lets one wildcard entry cover.
    return f"/aws/vendedlogs/states/{state_machine_name(prefix, name)}"


def signing_key_secret_name(prefix: str) -> str:
    """`<prefix>/jwt-signing-key`: shared.settings (`signing_key_secret`) derives the same."""
    return f"{prefix}/jwt-signing-key"


def admin_api_key_secret_name(prefix: str) -> str:
    # The functions get its ARN (ADMIN_API_KEY_SECRET); operators find it by this name.
    return f"{prefix}/admin-api-key"


def schedule_name(prefix: str, worker_name: str) -> str:
    return f"{prefix}-{worker_name}"


def schedule_group_name(prefix: str) -> str:
    """`<prefix>-schedules`: the one-time schedules' group (shared.settings derives the same
    name: `schedule_group_name`)."""
    return f"{prefix}-schedules"


def api_name(prefix: str) -> str:
    return f"{prefix}-api"


def alarm_topic_name(prefix: str) -> str:
    return f"{prefix}-alarms"


@dataclass(frozen=True, slots=True)
class StageConfig:
    """What differs between stages. Everything else is the same code and the same shape."""

    stage: Stage
    # prod keeps data when the stack or a resource goes away; dev cleans up after itself.
    retain_data: bool
    log_retention: logs.RetentionDays
    log_level: str
    # API Gateway default-stage throttling (requests per second, and burst).
    throttle_rate: int
    throttle_burst: int
    # Seed 004's SECURITY_HEADER_<NAME> variables an operator set (`cdk deploy -c
    # SECURITY_HEADER_X_FRAME_OPTIONS=SAMEORIGIN`; blank turns a header off), given to every
    # function as they are; unset ones keep shared/middleware.py's defaults.
    security_headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return resource_prefix(self.stage)

    @property
    def removal_policy(self) -> RemovalPolicy:
        return RemovalPolicy.RETAIN if self.retain_data else RemovalPolicy.DESTROY


STAGE_CONFIGS: dict[Stage, StageConfig] = {
    "dev": StageConfig(
        stage="dev",
        retain_data=False,
        log_retention=logs.RetentionDays.ONE_WEEK,
        log_level="DEBUG",
        throttle_rate=50,
        throttle_burst=100,
    ),
    "prod": StageConfig(
        stage="prod",
        retain_data=True,
        log_retention=logs.RetentionDays.THREE_MONTHS,
        log_level="INFO",
        throttle_rate=500,
        throttle_burst=1000,
    ),
}

# Alarms look at 5-minute windows: short enough to page quickly, long enough to batch noise.
ALARM_PERIOD = Duration.minutes(5)
# Old artifact versions are kept this long after being overwritten or deleted.
NONCURRENT_VERSION_DAYS = 30
# Server access logs of the artifacts bucket are kept this long.
ACCESS_LOG_DAYS = 90
INCOMPLETE_UPLOAD_DAYS = 7
DEAD_LETTER_RETENTION = Duration.days(14)
# A scheduled worker's invocation that EventBridge Scheduler cannot deliver is retried this
# often, for at most one schedule period (the next run supersedes it), then dead-lettered.
SCHEDULE_RETRY_ATTEMPTS = 3
# A queue keeps a message SQS's default 4 days; its dead-letter queue keeps it longer
# (DEAD_LETTER_RETENTION), as AWS advises: a standard queue's message keeps its first
# enqueue time when it is moved, so an equal retention would expire it on arrival.
QUEUE_RETENTION = Duration.days(4)
# AWS's recommendation for a queue mapped to a function: visibility timeout at least six
# times the function's timeout (plus any batching window; ours have none).
VISIBILITY_TIMEOUT_FACTOR = 6
# The bus rule retries a failed delivery to its queue for EventBridge's maximum (185 times
# within 24 hours: the queue is only ever briefly unavailable), then dead-letters it.
BUS_RULE_RETRY_ATTEMPTS = 185
BUS_RULE_MAX_EVENT_AGE = Duration.hours(24)
# Archiving a dead-letter queue is never urgent: Lambda's smallest maximum concurrency.
DEAD_LETTER_MAX_CONCURRENCY = 2


class UnknownStageError(ValueError):
    """`-c stage=` named something other than dev or prod."""


class BadSecurityHeaderError(ValueError):
    """A SECURITY_HEADER_* context value that no answer could carry."""


def with_security_headers(config: StageConfig, context: Mapping[str, object]) -> StageConfig:
    """`config` with the SECURITY_HEADER_* values of the CDK context (`-c NAME=value`),
    each checked as the functions will read it, so a bad value fails the synth, not every
    request."""
    from shared.middleware import SECURITY_HEADER_VARIABLES, security_headers

    given = {
        name: str(context[name])
        for name in SECURITY_HEADER_VARIABLES
        if context.get(name) is not None
    }
    try:
        security_headers(given)
    except ValueError as exc:
        raise BadSecurityHeaderError(str(exc)) from None
    return replace(config, security_headers=given)


def stage_config(stage: object) -> StageConfig:
    """The config of a stage named on the command line (`-c stage=...`); others are refused."""
    if stage is None:
        return STAGE_CONFIGS[DEFAULT_STAGE]
    if stage not in STAGE_CONFIGS:
        raise UnknownStageError(f"unknown stage {stage!r}: use -c stage=dev or -c stage=prod")
    return STAGE_CONFIGS[stage]  # type: ignore[index]

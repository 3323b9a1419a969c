"""GET /settings/health (admins, seed 003): can this deployment reach what it depends on,
and how long did each take to answer?

One check per dependency, all at once on a thread pool (each is one or two AWS calls with
the clients' short timeouts, so the answer takes about as long as the slowest):

    table          DescribeTable of each table: ACTIVE (or UPDATING) is ok
    bucket         HeadBucket of the artifacts bucket
    queue          GetQueueUrl and GetQueueAttributes of each work queue and dead-letter
                   queue: reachable, with the messages waiting (a dead-letter queue that
                   holds some is ok here; the dead-letter routes are where to look)
    state_machine  DescribeStateMachine of the generation and workflows state machines
    secrets        DescribeSecret of the token signing key: Secrets Manager answers

Unlike /readyz (public: a verdict alone, cached), this names each dependency, its status,
time and the error code of a failure (never AWS's message), and is checked afresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.ids import utcnow
from shared.queues import BUS_DEAD_LETTER_KEY, QUEUES
from shared.settings import Settings, get_settings

CheckKind = Literal["table", "bucket", "queue", "state_machine", "secrets"]
MAX_THREADS = 16


class DependencyCheck(BaseModel):
    model_config = ConfigDict(defer_build=True)

    name: str = Field(description="the dependency's logical name (`jobs`, `task-runs-dlq`)")
    kind: CheckKind
    status: Literal["ok", "error"]
    latency_ms: float = Field(description="how long the check took")
    detail: str | None = Field(
        default=None,
        description="what it answered (a table's status, a queue's waiting messages), or "
        "the error code of a failure",
    )


class SettingsHealth(BaseModel):
    model_config = ConfigDict(defer_build=True)

    status: Literal["ok", "degraded"] = Field(description="degraded when any check failed")
    checked_at: datetime
    duration_ms: float
    checks: list[DependencyCheck]


Probe = Callable[[], str | None]


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or type(exc).__name__)
    return type(exc).__name__


def _table(settings: Settings, key: str) -> Probe:
    def probe() -> str | None:
        from shared.aws import client

        status = client("dynamodb").describe_table(TableName=settings.table_name(key))
        table_status = str(status["Table"]["TableStatus"])
        if table_status not in ("ACTIVE", "UPDATING"):
            raise _Unhealthy(table_status)
        return table_status

    return probe


def _bucket(settings: Settings) -> Probe:
    def probe() -> str | None:
        from shared.aws import client

        client("s3").head_bucket(Bucket=settings.artifacts_bucket)
        return None

    return probe


def _queue(name: str) -> Probe:
    def probe() -> str | None:
        from shared.aws import client

        sqs = client("sqs")
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attributes = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return f"{attributes.get('ApproximateNumberOfMessages', '0')} message(s) waiting"

    return probe


def state_machine_arn(settings: Settings, name: str) -> str:
    """The ARN of the stack's state machine `<prefix>-<name>`: the one CDK passes in where
    it does, the emulator's locally, else built from the caller's account (STS answers
    GetCallerIdentity without any grant)."""
    from shared.aws import client

    configured = (
        settings.state_machine_arn if name == "generation" else settings.workflows_machine_arn
    )
    if configured:
        return configured
    if settings.is_local:
        return (
            settings.generation_state_machine_arn
            if name == "generation"
            else settings.workflows_state_machine_arn
        )
    account = client("sts").get_caller_identity()["Account"]
    return (
        f"arn:aws:states:{settings.aws_region}:{account}:stateMachine:"
        f"{settings.resource_prefix}-{name}"
    )


def _state_machine(settings: Settings, name: str) -> Probe:
    def probe() -> str | None:
        from shared.aws import client

        arn = state_machine_arn(settings, name)
        described = client("stepfunctions").describe_state_machine(stateMachineArn=arn)
        status = str(described.get("status", "ACTIVE"))
        if status != "ACTIVE":
            raise _Unhealthy(status)
        return status

    return probe


def _secrets(settings: Settings) -> Probe:
    def probe() -> str | None:
        from shared.aws import client

        client("secretsmanager").describe_secret(SecretId=settings.signing_key_secret)
        return None

    return probe


class _Unhealthy(Exception):
    """The dependency answered, with a state that is not working."""


def probes(settings: Settings) -> list[tuple[str, CheckKind, Probe]]:
    """Every dependency's name, kind and check."""
    prefix = settings.resource_prefix
    queues = [
        *((queue.key, queue.physical_name(prefix)) for queue in QUEUES),
        *((queue.dead_letter_key(), queue.dead_letter_name(prefix)) for queue in QUEUES),
        (BUS_DEAD_LETTER_KEY, f"{prefix}-{BUS_DEAD_LETTER_KEY}"),
    ]
    return [
        *((key, "table", _table(settings, key)) for key in settings.table_names),
        ("artifacts", "bucket", _bucket(settings)),
        *((key, "queue", _queue(name)) for key, name in queues),
        ("generation", "state_machine", _state_machine(settings, "generation")),
        ("workflows", "state_machine", _state_machine(settings, "workflows")),
        ("secrets-manager", "secrets", _secrets(settings)),
    ]


def _run(name: str, kind: CheckKind, probe: Probe) -> DependencyCheck:
    started = time.perf_counter()
    try:
        detail = probe()
        status: Literal["ok", "error"] = "ok"
    except _Unhealthy as exc:
        detail, status = str(exc), "error"
    except Exception as exc:  # any failure is this dependency's: its code, never AWS's text
        detail, status = _error_code(exc), "error"
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    return DependencyCheck(name=name, kind=kind, status=status, latency_ms=elapsed, detail=detail)


def check_health() -> SettingsHealth:
    """Every dependency checked now, in parallel."""
    started = time.perf_counter()
    checked_at = utcnow()
    checks = probes(get_settings())
    with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(checks))) as pool:
        results = list(pool.map(lambda check: _run(*check), checks))
    return SettingsHealth(
        status="ok" if all(check.status == "ok" for check in results) else "degraded",
        checked_at=checked_at,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
        checks=results,
    )

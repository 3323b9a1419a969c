"""The product's SQS queues, as data, and sending to them.

CDK builds each queue, its dead-letter queue (redrive after `max_receive_count` receives)
and the event-source mapping to its consumer from ``QUEUES``; the local runtime creates the
same queues in emulated SQS and pumps them into the same handlers (tools/local/pump.py).
A function finds a queue's URL in ``QUEUE_URL_<KEY>`` (CDK sets it for the queues the
registry says it sends to); locally the URL is the emulator's, by the same name.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from shared.settings import LOCAL_ACCOUNT_ID, get_settings

# SQS refuses a longer DelaySeconds: a wait beyond it is a one-time schedule instead.
MAX_DELAY_SECONDS = 900
# SQS's message size limit is 256 KiB; bodies near it travel by reference (S3) instead.
MAX_MESSAGE_BYTES = 256 * 1024
# The bus's own dead-letter queue, `<prefix>-dead-letter` (infra.names.dead_letter_queue_name):
# what the bus rule could not deliver. A worker consumes it by this key, as a `<key>-dlq`.
BUS_DEAD_LETTER_KEY = "dead-letter"
# Dead-letter queues keep a message for SQS's longest retention (infra: DEAD_LETTER_RETENTION).
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
# What SQS requires at the end of a FIFO queue's name.
FIFO_SUFFIX = ".fifo"


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A work queue, the worker that consumes it, and its dead-letter queue."""

    key: str
    purpose: str
    # The WorkerFunction (functions.registry) its event-source mapping invokes.
    consumer: str
    # At least six times the consumer's timeout, as AWS recommends for a queue mapped to a
    # function: a batch whose invocation was throttled or retried is not received again
    # (and counted towards max_receive_count) while it is still being worked on. CDK
    # refuses a shorter one (infra/constructs/queues.py).
    visibility_timeout_seconds: int = 360
    # Receives before a message moves to the dead-letter queue.
    max_receive_count: int = 5
    batch_size: int = 10
    # Most concurrent invocations the event-source mapping makes (Lambda's bounds: 2-1000):
    # a burst of messages waits in the queue instead of taking the account's concurrency
    # from the API's functions.
    max_concurrency: int = 10
    # Fed by its own bus rule with every product event (source software-factory), rather
    # than by senders: each consumer of the domain events (webhook fan-out, triggers,
    # notifications, live events) has its own queue, DLQ and retries, so one failing or
    # slow consumer neither blocks nor repeats another's work.
    from_bus: bool = False
    # A FIFO queue (and FIFO dead-letter queue, as SQS requires): messages of one group,
    # the body's `group_by` field, reach the consumer one batch at a time and in order (a
    # single writer per group); each message is sent with its own deduplication id.
    fifo: bool = False
    group_by: str | None = None

    def physical_name(self, resource_prefix: str) -> str:
        return f"{resource_prefix}-{self.key}{FIFO_SUFFIX if self.fifo else ''}"

    def dead_letter_key(self) -> str:
        return f"{self.key}-dlq"

    def dead_letter_name(self, resource_prefix: str) -> str:
        return f"{resource_prefix}-{self.dead_letter_key()}{FIFO_SUFFIX if self.fifo else ''}"


QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec(
        "bus-events",
        "every domain event the bus rule forwards: matched against webhook subscriptions",
        consumer="webhook_fanout",
        from_bus=True,
    ),
    QueueSpec(
        "webhook-deliveries",
        "one message per delivery attempt of an event to a webhook endpoint",
        consumer="webhook_delivery",
        # Up to 5 attempts of 15 s each run in one invocation (timeout 100 s): 6 x 100 s.
        batch_size=5,
        visibility_timeout_seconds=600,
        # Waits on receivers: more in flight at once than the other queues.
        max_concurrency=20,
    ),
    QueueSpec(
        "hook-events",
        "inbound webhook messages accepted by /hooks/{source_id}, to store and announce",
        consumer="hook_ingest",
    ),
    QueueSpec(
        "trigger-fires",
        "one message per fire of a trigger (its schedule, a matching event, a replay or a "
        "queued fire), run at most once per trigger and fire",
        consumer="trigger_runner",
    ),
    QueueSpec(
        "trigger-events",
        "every domain event the bus rule forwards: matched against the team's event triggers",
        consumer="trigger_matcher",
        from_bus=True,
    ),
    QueueSpec(
        "live-events",
        "every domain event the bus rule forwards: pushed to the team's WebSocket connections",
        consumer="live_push",
        from_bus=True,
    ),
    QueueSpec(
        "notification-deliveries",
        "one message per attempt of a notification through a channel (e-mail, Slack, "
        "Telegram, webhook)",
        consumer="notification_delivery",
        # Up to 5 attempts of 15 s each run in one invocation (timeout 100 s): 6 x 100 s.
        batch_size=5,
        visibility_timeout_seconds=600,
    ),
    QueueSpec(
        "notification-events",
        "every domain event the bus rule forwards: matched against the team's notification "
        "rules, written to inboxes and queued to channels",
        consumer="notifier",
        from_bus=True,
    ),
    QueueSpec(
        "chat-tickets",
        "one message per chat ticket (POST /chat, a conversation's message), answered once "
        "through the router",
        consumer="chat_runner",
        # Six times chat_runner's 300 s; a ticket whose consumer failed 3 times is failed
        # by the dead-letter settler rather than kept pending for hours.
        visibility_timeout_seconds=1800,
        max_receive_count=3,
        batch_size=1,
    ),
    QueueSpec(
        "task-runs",
        "one message per task queued for an agent that runs in the cloud, run once through "
        "the router",
        consumer="task_runner",
        # Six times task_runner's 300 s; a task whose run failed 3 times is failed by the
        # dead-letter settler rather than kept queued for hours.
        visibility_timeout_seconds=1800,
        max_receive_count=3,
        batch_size=1,
    ),
    QueueSpec(
        "workflow-steps",
        "one delayed message per wait step of a workflow run: when it arrives, the step's "
        "wait is over and its task token is answered",
        consumer="workflow_runner",
        # Six times workflow_runner's 30 s; a message that failed 3 times is dead-lettered
        # and its step failed by the settler, so the run does not wait out its 7 days.
        visibility_timeout_seconds=180,
        max_receive_count=3,
        batch_size=10,
    ),
    QueueSpec(
        "team-wipes",
        "one message per part of a wipe of a team's data (POST /settings/wipe), run to a "
        "terminal state once",
        consumer="team_wipe",
        # Six times team_wipe's 900 s; a wipe whose part failed 5 times ends failed (on
        # the last receive, or by the dead-letter settler).
        visibility_timeout_seconds=5400,
        max_receive_count=5,
        batch_size=1,
        max_concurrency=2,
    ),
    QueueSpec(
        "knowledge-index",
        "one message per change of a knowledge base entry (or a team's rebuild), applied to "
        "the team's search index by its single writer: FIFO, one message group per team",
        consumer="knowledge_indexer",
        fifo=True,
        group_by="team_id",
        # Six times knowledge_indexer's 120 s.
        visibility_timeout_seconds=720,
        max_receive_count=5,
        batch_size=10,
    ),
    QueueSpec(
        "payment-events",
        "one message per verified event of a team's payment provider (its signed webhook on "
        "the inbound hooks), applied to its order once: paid, expired, refunded",
        consumer="payment_events",
        # Six times payment_events' 60 s.
        visibility_timeout_seconds=360,
        max_receive_count=5,
        batch_size=10,
    ),
    QueueSpec(
        "discovery-runs",
        "one message per discovery run (POST /admin/discovery/run): product ideas asked of "
        "the team's default provider through the router, products started from them",
        consumer="discovery_runner",
        # Six times discovery_runner's 300 s; a run whose consumer failed 3 times is failed
        # (on its last receive, or by the dead-letter settler) rather than left running.
        visibility_timeout_seconds=1800,
        max_receive_count=3,
        batch_size=1,
    ),
)

QUEUES_BY_KEY: dict[str, QueueSpec] = {queue.key: queue for queue in QUEUES}
BUS_QUEUES: tuple[QueueSpec, ...] = tuple(queue for queue in QUEUES if queue.from_bus)


def queue_name(resource_prefix: str, key: str) -> str:
    """The physical name of what a key names: a queue, a `<key>-dlq` or the bus's DLQ
    (`<prefix>-<key>`, with `.fifo` for a FIFO queue and its dead-letter queue)."""
    spec = QUEUES_BY_KEY.get(key)
    if spec is not None:
        return spec.physical_name(resource_prefix)
    origin = QUEUES_BY_KEY.get(key.removesuffix("-dlq"))
    if key.endswith("-dlq") and origin is not None:
        return origin.dead_letter_name(resource_prefix)
    return f"{resource_prefix}-{key}"


def _fifo_fields(key: str, body: dict[str, Any]) -> dict[str, str]:
    """A FIFO queue's MessageGroupId (the body's `group_by` field) and a deduplication id
    of its own per message: content-based deduplication would drop a second identical
    message sent within five minutes, which for a "redo this" message is a lost change."""
    spec = QUEUES_BY_KEY.get(key.removesuffix("-dlq"))
    if spec is None or not spec.fifo:
        return {}
    from shared.ids import new_id

    group = body.get(spec.group_by or "")
    if not isinstance(group, str) or not group:
        raise ValueError(f"a message to {key} needs its group field {spec.group_by!r}")
    return {"MessageGroupId": group, "MessageDeduplicationId": new_id()}


def bus_rule_name(resource_prefix: str, key: str) -> str:
    """`<prefix>-<key>`: the bus rule feeding the queue `key` (CDK and the emulator)."""
    return f"{resource_prefix}-{key}"


def queue_url_variable(key: str) -> str:
    """`QUEUE_URL_<KEY>`: where CDK puts the URL of the queue `key` (`bus-events-dlq` is
    QUEUE_URL_BUS_EVENTS_DLQ)."""
    return f"QUEUE_URL_{key.upper().replace('-', '_')}"


def queue_url(key: str) -> str:
    """The queue's URL: CDK's variable deployed; the emulator's URL for the same name locally."""
    settings = get_settings()
    if url := os.environ.get(queue_url_variable(key)):
        return url
    if not settings.is_local:
        # Deployed, a missing variable means the registry grants no access to this queue:
        # guessing the local account's URL would fail later and less clearly.
        raise RuntimeError(f"{queue_url_variable(key)} is not set: this function may not use {key}")
    return (
        f"https://sqs.{settings.aws_region}.amazonaws.com/{LOCAL_ACCOUNT_ID}/"
        f"{queue_name(settings.resource_prefix, key)}"
    )


def send(key: str, body: dict[str, Any], *, delay_seconds: int = 0) -> str:
    """Put one JSON message on the queue `key`; its SQS message id."""
    from shared.aws import client

    if not 0 <= delay_seconds <= MAX_DELAY_SECONDS:
        raise ValueError(f"delay_seconds must be 0-{MAX_DELAY_SECONDS}, not {delay_seconds}")
    fifo = _fifo_fields(key, body)
    if fifo and delay_seconds:
        raise ValueError(f"{key} is a FIFO queue: SQS delays a FIFO queue, not a message")
    options: dict[str, Any] = dict(fifo) if fifo else {"DelaySeconds": delay_seconds}
    answer = client("sqs").send_message(
        QueueUrl=queue_url(key), MessageBody=json.dumps(body), **options
    )
    return str(answer["MessageId"])


def send_many(key: str, bodies: list[dict[str, Any]]) -> None:
    """Put JSON messages on the queue `key`, ten per request; raise if any was refused."""
    from shared.aws import client

    for start in range(0, len(bodies), 10):
        chunk = bodies[start : start + 10]
        answer = client("sqs").send_message_batch(
            QueueUrl=queue_url(key),
            Entries=[
                {"Id": str(i), "MessageBody": json.dumps(b), **_fifo_fields(key, b)}
                for i, b in enumerate(chunk)
            ],
        )
        if answer.get("Failed"):
            raise RuntimeError(f"SQS refused {len(answer['Failed'])} message(s) on {key}")

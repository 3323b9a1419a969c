"""The event path's queues, built from data: shared.queues.QUEUES and the registry's
`sends_to`, `consumes` and `manages_schedules`.

Each queue of QUEUES gets its dead-letter queue (redrive after `max_receive_count`
receives), SQS-managed encryption, TLS only and retention; its visibility timeout must be
at least six times each consumer's timeout, or the stack is refused. A queue fed by the
bus (`from_bus`) gets its own rule forwarding the product's events (`source`
software-factory), dead-lettering into the bus's own DLQ. The schedules (shared.schedules,
triggers) live in the group `<prefix>-schedules` and run with a role that may only send to
these queues and their DLQs.

`connect` turns each function's registry entry into what it names: QUEUE_URL_<KEY> and
`sqs:SendMessage` for each queue it sends to; an event-source mapping with partial batch
failures (and the consume actions) for each queue it consumes; the schedules' grants and
SCHEDULES_ROLE_ARN for one that manages schedules. Nothing here names a function.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.registry import WORKERS, WorkerFunction
from infra.constructs.functions import ServiceFunction
from infra.grants import grant_manage_schedules, grant_send_messages, schedules_arn
from infra.names import (
    BUS_RULE_MAX_EVENT_AGE,
    BUS_RULE_RETRY_ATTEMPTS,
    DEAD_LETTER_MAX_CONCURRENCY,
    DEAD_LETTER_RETENTION,
    QUEUE_RETENTION,
    VISIBILITY_TIMEOUT_FACTOR,
    StageConfig,
    schedule_group_name,
)
from infra.specs import consumes, manages_schedules, sends_to
from shared.events import SOURCE
from shared.queues import (
    BUS_DEAD_LETTER_KEY,
    QUEUES,
    QueueSpec,
    bus_rule_name,
    queue_url_variable,
)

# The variable shared.settings reads the one-time schedules' role from (schedules_role_arn);
# the group's name it derives from RESOURCE_PREFIX, as schedule_group_name does here.
SCHEDULES_ROLE_VARIABLE = "SCHEDULES_ROLE_ARN"
# Lambda's bounds for an SQS event-source mapping without a batching window.
MAX_BATCH_SIZE = 10
MAX_CONCURRENCY_RANGE = range(2, 1001)
# SQS's default visibility timeout, for a dead-letter queue nothing consumes.
SQS_DEFAULT_VISIBILITY = 30


# The fan-out's rule was the only one and deployed as "BusRule": keeping that id keeps
# CloudFormation from replacing it (a replacement with the same rule name fails).
_FIRST_BUS_QUEUE = "bus-events"


def _bus_rule_id(key: str) -> str:
    return "BusRule" if key == _FIRST_BUS_QUEUE else f"BusRule-{key}"


def consumers_of(key: str, workers: Sequence[WorkerFunction]) -> list[WorkerFunction]:
    return [worker for worker in workers if key in consumes(worker)]


def minimum_visibility_seconds(key: str, workers: Sequence[WorkerFunction]) -> int:
    """Six times the longest timeout among the workers consuming `key` (AWS's advice for a
    mapped queue); SQS's default when none does."""
    timeouts = [worker.timeout_seconds for worker in consumers_of(key, workers)]
    return VISIBILITY_TIMEOUT_FACTOR * max(timeouts) if timeouts else SQS_DEFAULT_VISIBILITY


def _check(queues: Sequence[QueueSpec], workers: Sequence[WorkerFunction]) -> None:
    """Refuse data that would deploy a queue wrong: an unknown key, a queue consumed by a
    worker that is not its consumer (or its consumer not consuming it), a visibility
    timeout that lets a message come back while it is being worked on, a batch size or
    maximum concurrency Lambda refuses."""
    by_key = {spec.key: spec for spec in queues}
    known = {BUS_DEAD_LETTER_KEY, *by_key, *(spec.dead_letter_key() for spec in queues)}
    for worker in workers:
        unknown = [key for key in consumes(worker) if key not in known]
        if unknown:
            raise ValueError(f"{worker.name}: consumes no such queue {unknown} (shared.queues)")
    names = {worker.name for worker in workers}
    for spec in queues:
        consumers = [worker.name for worker in consumers_of(spec.key, workers)]
        if consumers not in ([], [spec.consumer]):
            raise ValueError(f"{spec.key} is consumed by {spec.consumer} alone, not {consumers}")
        if spec.consumer in names and not consumers:
            raise ValueError(f"{spec.consumer} must list {spec.key!r} in `consumes`")
        needed = minimum_visibility_seconds(spec.key, workers)
        if spec.visibility_timeout_seconds < needed:
            raise ValueError(
                f"{spec.key}: visibility timeout {spec.visibility_timeout_seconds} s is under "
                f"{VISIBILITY_TIMEOUT_FACTOR} x its consumer's timeout ({needed} s)"
            )
        if not 1 <= spec.batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"{spec.key}: batch_size must be 1-{MAX_BATCH_SIZE}")
        if spec.max_concurrency not in MAX_CONCURRENCY_RANGE:
            raise ValueError(f"{spec.key}: max_concurrency must be 2-1000")
        if spec.max_receive_count < 1:
            raise ValueError(f"{spec.key}: max_receive_count must be at least 1")


class QueuesConstruct(Construct):
    """Every queue of QUEUES and its DLQ, the bus rule, the schedule group and its role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        bus: events.IEventBus,
        bus_dead_letter_queue: sqs.IQueue,
        workers: Sequence[WorkerFunction] = WORKERS,
        queues: Sequence[QueueSpec] = QUEUES,
    ) -> None:
        super().__init__(scope, construct_id)
        _check(queues, workers)
        self.specs = {spec.key: spec for spec in queues}
        self.queues: dict[str, sqs.Queue] = {}
        # By dead-letter key (`<key>-dlq`).
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for spec in queues:
            self._build(spec, config, workers)
        # What a `consumes` or `sends_to` key can name: the queues, their DLQs, the bus's DLQ.
        self._by_key: dict[str, sqs.IQueue] = {
            **self.queues,
            **self.dead_letter_queues,
            BUS_DEAD_LETTER_KEY: bus_dead_letter_queue,
        }

        # One rule per queue fed by the bus (QueueSpec.from_bus), by queue key.
        self.bus_rules: dict[str, events.Rule] = {
            spec.key: events.Rule(
                self,
                _bus_rule_id(spec.key),
                rule_name=bus_rule_name(config.prefix, spec.key),
                description=f"The product's domain events, to {spec.key} ({spec.consumer})",
                event_bus=bus,
                event_pattern=events.EventPattern(source=[SOURCE]),
                targets=[
                    targets.SqsQueue(
                        self.queues[spec.key],
                        dead_letter_queue=bus_dead_letter_queue,
                        retry_attempts=BUS_RULE_RETRY_ATTEMPTS,
                        max_event_age=BUS_RULE_MAX_EVENT_AGE,
                    )
                ],
            )
            for spec in queues
            if spec.from_bus
        }

        self.schedule_group = scheduler.CfnScheduleGroup(
            self, "ScheduleGroup", name=schedule_group_name(config.prefix)
        )
        self.schedule_group.apply_removal_policy(config.removal_policy)
        self.schedules_arn = schedules_arn(self, schedule_group_name(config.prefix))
        stack = Stack.of(self)
        sendable = [*self.queues.values(), *self.dead_letter_queues.values()]
        self.schedule_role = iam.Role(
            self,
            "ScheduleRole",
            # As the workers' schedules: only EventBridge Scheduler, only for schedules of
            # this account's product group, may assume it (no confused deputy).
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={
                    "StringEquals": {
                        "aws:SourceAccount": stack.account,
                        "aws:SourceArn": self.schedule_group.attr_arn,
                    }
                },
            ),
            description=f"{schedule_group_name(config.prefix)}: one-time schedules send their "
            "message to a queue, or dead-letter it to that queue's DLQ",
            inline_policies={
                "SendToQueues": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            actions=["sqs:SendMessage"],
                            resources=[queue.queue_arn for queue in sendable],
                        )
                    ]
                )
            }
            if sendable
            else None,
        )

    def _build(
        self, spec: QueueSpec, config: StageConfig, workers: Sequence[WorkerFunction]
    ) -> None:
        scope = Construct(self, spec.key)
        dead_letter_key = spec.dead_letter_key()
        dead_letter = sqs.Queue(
            scope,
            "DeadLetterQueue",
            queue_name=spec.dead_letter_name(config.prefix),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DEAD_LETTER_RETENTION,
            # A FIFO queue's dead-letter queue must be FIFO too (its name ends in .fifo).
            fifo=spec.fifo or None,
            # The dead-letter archiver may consume it: the same rule as a work queue.
            visibility_timeout=Duration.seconds(
                minimum_visibility_seconds(dead_letter_key, workers)
            ),
            removal_policy=config.removal_policy,
        )
        queue = sqs.Queue(
            scope,
            "Queue",
            queue_name=spec.physical_name(config.prefix),
            # SQS-managed keys: EventBridge, Scheduler and Lambda need no key policy.
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=QUEUE_RETENTION,
            # One message group per writer (shared.queues.QueueSpec.group_by).
            fifo=spec.fifo or None,
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=dead_letter, max_receive_count=spec.max_receive_count
            ),
            removal_policy=config.removal_policy,
        )
        self.queues[spec.key] = queue
        self.dead_letter_queues[dead_letter_key] = dead_letter

    def queue(self, key: str) -> sqs.IQueue:
        """The queue a registry key names: a queue, a `<key>-dlq`, or the bus's DLQ."""
        if key not in self._by_key:
            raise ValueError(f"no queue {key!r} in the stack (shared.queues)")
        return self._by_key[key]

    def connect(self, functions: Iterable[ServiceFunction]) -> None:
        """Each function's `sends_to`, `consumes` and `manages_schedules`, as grants, event
        sources and environment variables."""
        for built in functions:
            spec = built.spec
            targets_ = sends_to(spec)
            for key in targets_:
                queue = self.queue(key)
                grant_send_messages(queue, built.function)
                built.function.add_environment(queue_url_variable(key), queue.queue_url)
            for key in consumes(spec):
                queue_spec = self.specs.get(key)
                built.function.add_event_source(
                    event_sources.SqsEventSource(
                        self.queue(key),
                        batch_size=queue_spec.batch_size if queue_spec else MAX_BATCH_SIZE,
                        # A failed record goes back alone; the rest of its batch is done.
                        report_batch_item_failures=True,
                        max_concurrency=queue_spec.max_concurrency
                        if queue_spec
                        else DEAD_LETTER_MAX_CONCURRENCY,
                    )
                )
            if manages_schedules(spec):
                grant_manage_schedules(built.function, self.schedules_arn, self.schedule_role)
                built.function.add_environment(SCHEDULES_ROLE_VARIABLE, self.schedule_role.role_arn)
                # A schedule dead-letters into its queue's DLQ: shared.schedules.send_later
                # reads that DLQ's ARN from its URL. Scheduler sends there, not the function.
                for key in targets_:
                    if key in self.specs:
                        dead_letter = self.specs[key].dead_letter_key()
                        built.function.add_environment(
                            queue_url_variable(dead_letter),
                            self.dead_letter_queues[dead_letter].queue_url,
                        )

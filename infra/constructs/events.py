"""EventBridge: the domain-event bus, and the dead-letter queue for what cannot be delivered.

Rules (the bus rule to `bus-events` in infra/constructs/queues.py; later triggers and
notifications) pass `dead_letter_queue` to their targets; the functions' asynchronous
invocations use it too. Its alarm is in infra/constructs/monitoring.py; the dead-letter
archiver (a worker consuming `dead-letter`) makes its messages `/dead-letter` items.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.names import DEAD_LETTER_RETENTION, StageConfig, bus_name, dead_letter_queue_name


class EventsConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        dead_letter_visibility: Duration | None = None,
    ) -> None:
        """`dead_letter_visibility`: for a dead-letter queue a worker consumes (the archiver),
        six times that worker's timeout; SQS's default otherwise."""
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", event_bus_name=bus_name(config.prefix))
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            queue_name=dead_letter_queue_name(config.prefix),
            # SQS-managed keys: EventBridge and Lambda can deliver without a key policy.
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DEAD_LETTER_RETENTION,
            visibility_timeout=dead_letter_visibility,
            removal_policy=config.removal_policy,
        )

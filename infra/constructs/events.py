"""EventBridge: the domain-event bus, and the dead-letter queue for what cannot be delivered.

Rules that later issues add (webhook dispatch, triggers, notifications) pass
`dead_letter_queue` to their targets; the functions' asynchronous invocations use it too.
One queue, one alarm (infra/constructs/monitoring.py), one `/dead-letter` admin view.
"""

from __future__ import annotations

from aws_cdk import aws_events as events
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.names import DEAD_LETTER_RETENTION, StageConfig, bus_name, dead_letter_queue_name


class EventsConstruct(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
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
            removal_policy=config.removal_policy,
        )

"""A message for a queue, delivered later: SQS's own delay, or a one-time schedule.

SQS delays a message by at most 15 minutes. A longer wait (a webhook's retry after 2 h)
is an EventBridge Scheduler one-time schedule in the product's group that sends the same
body to the same queue at that moment and then deletes itself; what it cannot deliver
goes to the queue's dead-letter queue, like a message the consumer could not handle.
Locally, tools/local/pump.py fires the due schedules of the emulated Scheduler.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from shared.queues import MAX_DELAY_SECONDS, QUEUES_BY_KEY, queue_url, send
from shared.settings import get_settings

# EventBridge Scheduler's `at()` takes a UTC time to the second, without an offset.
AT_FORMAT = "%Y-%m-%dT%H:%M:%S"


def queue_arn(url: str) -> str:
    """The ARN of the queue at `url` (https://sqs.<region>.amazonaws.com/<account>/<name>)."""
    account, name = urlparse(url).path.strip("/").split("/")[-2:]
    return f"arn:aws:sqs:{get_settings().aws_region}:{account}:{name}"


def schedule_expression(at: datetime) -> str:
    """`at(...)` for the first whole second at or after `at` (a schedule never fires early)."""
    moment = datetime.fromtimestamp(math.ceil(at.timestamp()), UTC)
    return f"at({moment.strftime(AT_FORMAT)})"


def send_later(key: str, body: dict[str, Any], at: datetime) -> None:
    """Put the JSON `body` on the queue `key` at `at` (timezone-aware), not before.

    Within SQS's 15 minutes it is one message with DelaySeconds (none when `at` has
    passed); beyond, a one-time schedule that deletes itself once it has run."""
    from shared.ids import new_id, utcnow

    if at.tzinfo is None:
        raise ValueError("send_later needs a timezone-aware time")
    spec = QUEUES_BY_KEY[key]
    wait = (at - utcnow()).total_seconds()
    if wait <= MAX_DELAY_SECONDS:
        send(key, body, delay_seconds=max(0, math.ceil(wait)))
        return

    from shared.aws import client

    settings = get_settings()
    client("scheduler").create_schedule(
        # Names are unique in the group; the key says whose it is when listing them.
        Name=f"{key}-{new_id()}",
        GroupName=settings.schedule_group_name,
        ScheduleExpression=schedule_expression(at),
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
        Target={
            "Arn": queue_arn(queue_url(key)),
            "RoleArn": settings.schedule_role_arn,
            "Input": json.dumps(body),
            "DeadLetterConfig": {"Arn": queue_arn(queue_url(spec.dead_letter_key()))},
        },
    )

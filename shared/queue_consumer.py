"""Every SQS consumer's shape: each record's work once per key, failures reported back.

Powertools does both halves: idempotency (the `idempotency` table) makes a redelivered
message a no-op, and the batch utility answers SQS with the records that failed, which
SQS delivers again and, after the queue's max receives, moves to its dead-letter queue.
A consumer names its work and the key of a unit of work; nothing else is repeated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

Work = Callable[..., Any]


def json_body(record: Any) -> dict[str, Any]:
    """The message most consumers work on: the record's body, a JSON object."""
    body: dict[str, Any] = json.loads(record.body)
    return body


def last_receive(record: Any, queue_key: str) -> bool:
    """Whether this receive is the record's last before SQS moves it to the queue's DLQ: a
    consumer whose unit of work a user waits on ends it failed then, with the reason."""
    from shared.queues import QUEUES_BY_KEY

    receives = int(record.attributes.approximate_receive_count or 1)
    return receives >= QUEUES_BY_KEY[queue_key].max_receive_count


@cache
def _once(work: Work, key: str, keep_seconds: int) -> tuple[Work, Any]:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

    from shared.idempotency import persistence

    # The record is stored under the work's module and name: two consumers of the same
    # message (a key such as an event id) never see each other's records.
    config = IdempotencyConfig(event_key_jmespath=key, expires_after_seconds=keep_seconds)
    wrapped: Work = idempotent_function(
        data_keyword_argument="message", persistence_store=persistence(), config=config
    )(work)
    return wrapped, config


def consume(
    event: dict[str, Any],
    context: Any,
    work: Work,
    *,
    key: str,
    keep_seconds: int,
    message: Callable[[Any], dict[str, Any]] = json_body,
) -> dict[str, Any]:
    """Run `work(message=message(record))` once per `key` (a JMESPath into the message)
    for `keep_seconds`; answer the partial batch response Lambda gives SQS. `message`
    turns a Powertools SQSRecord into what the work needs (its JSON body by default)."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    once, config = _once(work, key, keep_seconds)
    # An in-progress record outlives a timed-out invocation only until this one's deadline.
    config.register_lambda_context(context)

    def record_handler(record: Any) -> None:
        once(message=message(record))

    answer = process_partial_response(
        event=event,
        record_handler=record_handler,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
    return dict(answer)

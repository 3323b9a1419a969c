"""shared.queue_consumer: each unit of work once, failures handed back to SQS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.idempotency import run_once
from shared.queue_consumer import consume

pytestmark = pytest.mark.usefixtures("aws")

done: list[tuple[str, str]] = []


def deliver(message: dict[str, Any]) -> dict[str, Any]:
    if message.get("fail"):
        raise RuntimeError("receiver unreachable")
    done.append(("deliver", message["delivery_id"]))
    return {}


def archive(message: dict[str, Any]) -> dict[str, Any]:
    done.append(("archive", message["event_id"]))
    return {}


def sqs_event(*bodies: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{index}",
                "receiptHandle": f"r-{index}",
                "body": json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
            for index, body in enumerate(bodies)
        ]
    }


def test_a_redelivered_record_has_no_second_effect_and_failures_are_reported(
    lambda_context: Any,
) -> None:
    done.clear()
    batch = sqs_event({"delivery_id": "d1"}, {"delivery_id": "d2", "fail": True})

    first = consume(batch, lambda_context, deliver, key="delivery_id", keep_seconds=60)
    again = consume(batch, lambda_context, deliver, key="delivery_id", keep_seconds=60)

    assert done == [("deliver", "d1")]
    assert first == again == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}


def test_each_consumer_keys_its_records_by_its_own_expression(lambda_context: Any) -> None:
    # Powertools binds a persistence layer to the first configuration it serves: shared
    # by two consumers (or a consumer and the API's Idempotency-Key), one would key its
    # records by the other's expression and skip or repeat work.
    done.clear()
    message = {"delivery_id": "same", "event_id": "e1"}
    other = {"delivery_id": "same", "event_id": "e2"}

    consume(sqs_event(message), lambda_context, deliver, key="delivery_id", keep_seconds=60)
    consume(sqs_event(message, other), lambda_context, archive, key="event_id", keep_seconds=60)
    created = [run_once("scope", "team", "k1", {"a": 1}, lambda: {"n": len(done)})]
    created.append(run_once("scope", "team", "k1", {"a": 1}, lambda: {"n": -1}))

    assert done == [("deliver", "same"), ("archive", "e1"), ("archive", "e2")]
    assert created[0] == created[1]

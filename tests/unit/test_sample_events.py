"""The sample events are real-shaped: Powertools' own event models accept them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayProxyEventV2Model,
    EventBridgeModel,
    SqsModel,
)

EVENTS = Path(__file__).resolve().parents[2] / "events"


@pytest.mark.parametrize("path", sorted(EVENTS.glob("apigw_v2_*.json")), ids=lambda p: p.name)
def test_api_gateway_events_are_http_api_v2(path: Path) -> None:
    event = APIGatewayProxyEventV2Model.model_validate(json.loads(path.read_text()))

    assert event.version == "2.0"
    assert event.rawPath == event.requestContext.http.path


@pytest.mark.parametrize("name", ["eventbridge_job_completed.json", "scheduler_reconcile.json"])
def test_eventbridge_and_scheduler_events(name: str) -> None:
    event = EventBridgeModel.model_validate(json.loads((EVENTS / name).read_text()))

    assert event.account == "123456789012"


def test_sqs_event() -> None:
    event = SqsModel.model_validate(json.loads((EVENTS / "sqs_webhook_delivery.json").read_text()))

    # A webhook-deliveries message (shared.webhooks.delivery.message).
    assert set(json.loads(event.Records[0].body)) == {
        "team_id",
        "webhook_id",
        "delivery_id",
        "attempt",
    }


def test_sqs_bus_event() -> None:
    event = SqsModel.model_validate(json.loads((EVENTS / "sqs_bus_events.json").read_text()))

    # A bus-events message: the EventBridge event the bus rule forwarded.
    body = EventBridgeModel.model_validate(json.loads(event.Records[0].body))
    assert body.detail_type == "job.completed"
    assert body.source == "software-factory"

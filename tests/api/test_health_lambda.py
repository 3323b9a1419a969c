"""Health through its Lambda handler (Mangum), with API Gateway events from events/."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from functions.health.handler import handler

Event = Callable[[str], dict[str, Any]]


@pytest.mark.parametrize(
    "event_file", ["apigw_v2_healthz.json", "apigw_v2_health_v1.json", "apigw_v2_health_alias.json"]
)
def test_liveness_through_the_lambda_handler(
    load_event: Event, lambda_context: Any, event_file: str
) -> None:
    event = load_event(event_file)

    response = handler(event, lambda_context)

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "ok"
    headers = response["headers"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    # Without a client id, API Gateway's request id is the request id.
    assert headers["x-request-id"] == event["requestContext"]["requestId"]


@pytest.mark.usefixtures("aws")
def test_readiness_through_the_lambda_handler(load_event: Event, lambda_context: Any) -> None:
    response = handler(load_event("apigw_v2_readyz.json"), lambda_context)

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "ready"


def test_unknown_route_through_the_lambda_handler(load_event: Event, lambda_context: Any) -> None:
    response = handler(load_event("apigw_v2_not_found.json"), lambda_context)

    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"detail": "Not found", "request_id": "client-req-42"}


def test_wrong_method_through_the_lambda_handler(load_event: Event, lambda_context: Any) -> None:
    response = handler(load_event("apigw_v2_method_not_allowed.json"), lambda_context)

    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "GET"
    assert json.loads(response["body"])["detail"] == "Method not allowed"


def test_oversized_body_through_the_lambda_handler(load_event: Event, lambda_context: Any) -> None:
    event = load_event("apigw_v2_method_not_allowed.json")
    event["body"] = "x" * 1_100_000
    event["headers"]["content-length"] = str(len(event["body"]))

    response = handler(event, lambda_context)

    assert response["statusCode"] == 413
    assert set(json.loads(response["body"])) == {"detail", "request_id"}


def test_lifespan_does_not_run_per_call(
    load_event: Event, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mangum.adapter

    cycles: list[object] = []

    class CountingLifespan(mangum.adapter.LifespanCycle):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            cycles.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(mangum.adapter, "LifespanCycle", CountingLifespan)

    for _ in range(3):
        assert handler(load_event("apigw_v2_healthz.json"), lambda_context)["statusCode"] == 200

    assert cycles == []

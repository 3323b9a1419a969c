"""The webhooks group's app: outbound endpoints (CRUD, the event types, a test delivery,
secret rotation), their deliveries (attempts, redelivery, recovery), and the inbound
sources' routes (functions/webhooks/sources_routes.py).

Members read; creating, changing and deleting endpoints, rotating their secrets and
sending (test, redeliver, recover) need an admin: a secret is shown, or data leaves.

Routes match in order: the sources' router comes first, and `/webhooks/event-types`
before `/webhooks/{webhook_id}`, which would otherwise take them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query, Response

from functions.webhooks.schemas import (
    DeliveryDetail,
    DeliveryPublic,
    EventTypes,
    Queued,
    SecretRotated,
    TestOutcome,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhookReplace,
)
from functions.webhooks.sources_routes import router as sources_router
from shared.app_factory import create_app, group_router
from shared.auth.dependencies import AdminPrincipal, CurrentPrincipal
from shared.errors import error_responses
from shared.pagination import LIST_RESPONSES, Page, Pagination, page_answer
from shared.webhooks import catalog, service
from shared.webhooks.domain import Delivery, Webhook

router = group_router(tags=["webhooks"], responses=error_responses(401, 403, 422))
_FOUND = error_responses(404)


def _public(webhook: Webhook) -> dict[str, Any]:
    return webhook.model_dump(
        include={
            "id",
            "url",
            "events",
            "description",
            "enabled",
            "disabled_reason",
            "failing_since",
            "last_success_at",
            "created_at",
            "updated_at",
        }
    )


def _names(body: WebhookCreate) -> list[str]:
    return [str(event) for event in body.events]


def _delivery(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": len(delivery.attempts),
        "last_response_code": delivery.last_response_code,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
    }


@router.get(
    "/webhooks",
    response_model=Page[WebhookPublic],
    responses=LIST_RESPONSES,
    summary="The team's webhook endpoints, oldest first",
)
async def list_webhooks(principal: CurrentPrincipal, params: Pagination) -> dict[str, Any]:
    items, total, cursor = service.list_webhooks(principal.team_id, params)
    return page_answer([_public(item) for item in items], total, params, cursor)


@router.post(
    "/webhooks",
    status_code=201,
    response_model=WebhookCreated,
    summary="Subscribe an endpoint to event types (its signing secret is shown only here)",
)
async def create_webhook(body: WebhookCreate, principal: AdminPrincipal) -> dict[str, Any]:
    webhook = service.create_webhook(
        principal.team_id, body.url, _names(body), body.description, body.enabled
    )
    return {**_public(webhook), "secret": webhook.secrets[0].value}


@router.get(
    "/webhooks/event-types",
    response_model=EventTypes,
    summary="Every event type the product emits, with a sample of its data",
)
async def list_event_types(principal: CurrentPrincipal) -> dict[str, Any]:
    return {"items": [event._asdict() for event in catalog.EVENT_TYPES]}


@router.get(
    "/webhooks/{webhook_id}",
    response_model=WebhookPublic,
    responses=_FOUND,
    summary="A webhook endpoint (without its secret)",
)
async def get_webhook(webhook_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
    return _public(service.get_webhook(principal.team_id, webhook_id))


@router.put(
    "/webhooks/{webhook_id}",
    response_model=WebhookPublic,
    responses=error_responses(404, 409),
    summary="Replace an endpoint's URL, events, description and state (enabling it again "
    "clears why it was disabled)",
)
async def replace_webhook(
    webhook_id: str, body: WebhookReplace, principal: AdminPrincipal
) -> dict[str, Any]:
    webhook = service.replace_webhook(
        principal.team_id, webhook_id, body.url, _names(body), body.description, body.enabled
    )
    return _public(webhook)


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(404, 409),
    summary="Delete an endpoint: nothing more is delivered to it",
)
async def delete_webhook(webhook_id: str, principal: AdminPrincipal) -> Response:
    service.delete_webhook(principal.team_id, webhook_id)
    return Response(status_code=204)


@router.post(
    "/webhooks/{webhook_id}/test",
    response_model=TestOutcome,
    responses=_FOUND,
    summary="Send a signed webhook.test now and answer what came of the attempt",
)
async def test_webhook(webhook_id: str, principal: AdminPrincipal) -> dict[str, Any]:
    delivery = service.send_test(principal.team_id, webhook_id)
    last = delivery.attempts[-1]
    return {
        "delivery_id": delivery.id,
        "status": delivery.status,
        "response_code": last.response_code,
        "error": last.error,
    }


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response_model=SecretRotated,
    responses=error_responses(404, 409),
    summary="A new signing secret; the old one keeps signing beside it for 24 hours",
)
async def rotate_secret(webhook_id: str, principal: AdminPrincipal) -> dict[str, Any]:
    return {"secret": service.rotate_secret(principal.team_id, webhook_id)}


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=Page[DeliveryPublic],
    responses={**LIST_RESPONSES, **_FOUND},
    summary="An endpoint's deliveries, newest first (kept 30 days)",
)
async def list_deliveries(
    webhook_id: str, principal: CurrentPrincipal, params: Pagination
) -> dict[str, Any]:
    items, total, cursor = service.list_deliveries(principal.team_id, webhook_id, params)
    return page_answer([_delivery(item) for item in items], total, params, cursor)


@router.get(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    responses=_FOUND,
    summary="A delivery with the body sent and each attempt",
)
async def get_delivery(
    webhook_id: str, delivery_id: str, principal: CurrentPrincipal
) -> dict[str, Any]:
    delivery = service.get_delivery(principal.team_id, webhook_id, delivery_id)
    return {
        **_delivery(delivery),
        "message_id": delivery.message_id,
        "payload": json.loads(delivery.body),
        "attempt_log": [attempt.model_dump() for attempt in delivery.attempts],
    }


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=Queued,
    responses=_FOUND,
    summary="Send a delivery again, with a new series of retries",
)
async def redeliver(webhook_id: str, delivery_id: str, principal: AdminPrincipal) -> dict[str, Any]:
    return {"queued": service.redeliver(principal.team_id, webhook_id, delivery_id)}


@router.post(
    "/webhooks/{webhook_id}/recover",
    status_code=202,
    response_model=Queued,
    responses=_FOUND,
    summary="Send again every failed delivery made since a time (at most 1000 per call)",
)
async def recover(
    webhook_id: str,
    principal: AdminPrincipal,
    since: Annotated[datetime, Query(description="ISO 8601; without an offset, UTC")],
) -> dict[str, Any]:
    moment = since if since.tzinfo else since.replace(tzinfo=UTC)
    return {"queued": service.recover(principal.team_id, webhook_id, moment)}


app = create_app("webhooks", sources_router, router)

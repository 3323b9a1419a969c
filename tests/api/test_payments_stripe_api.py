"""Payments through Stripe: a team sets its Stripe key (a vault secret) and its webhook
endpoint's signing secret; a customer's checkout opens a Checkout Session at Stripe (a
loopback fake of Stripe's API, called by the `stripe` library itself), with an idempotency
key per order; only Stripe's signed event on the team's payments source pays the order and
grants the download; a refund goes to Stripe with its own key and is settled by Stripe's
`charge.refunded`; Stripe's failures are clear 4xx/5xx answers, never a 500."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
import stripe
from fastapi.testclient import TestClient

from shared.payments.providers.builtin import signed_headers
from tests.factories import assert_error, new_customer, passed_job
from tests.fake_servers import FakeStripe, Reply

_numbers = count(1)
SECRET_KEY = "sk_test_51FakeSellerKey0123456789"
WEBHOOK_SECRET = "whsec_fakeStripeEndpointSecret0123"
SESSIONS = "/v1/checkout/sessions"
REFUNDS = "/v1/refunds"


@pytest.fixture
def fake_stripe(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    from shared.settings import get_settings

    # Stripe's client backs off between retries; the test's time is not real time.
    monkeypatch.setattr(stripe.RequestsClient, "_sleep_time_seconds", lambda self, n: 0.0)
    with FakeStripe() as fake:
        monkeypatch.setenv("STRIPE_API_BASE", fake.url)
        get_settings.cache_clear()
        yield fake
    monkeypatch.delenv("STRIPE_API_BASE")
    get_settings.cache_clear()


def _secret(client: TestClient, admin: dict[str, str], name: str, value: str) -> None:
    made = client.post("/api/v1/secrets", headers=admin, json={"name": name, "value": value})
    assert made.status_code == 201, made.text


@pytest.fixture(scope="module")
def stripe_shop(gateway: TestClient, token_for: Any) -> dict[str, Any]:
    """A seller on Stripe with one paid product."""
    seller = dict(token_for("stripe-seller"))
    team = gateway.get("/api/v1/auth/me", headers=seller).json()["team_id"]
    _secret(gateway, seller, "STRIPE_KEY", SECRET_KEY)
    answer = gateway.put(
        "/api/v1/payment/provider",
        headers=seller,
        json={
            "provider": "stripe",
            "secret_key": "{{secrets.STRIPE_KEY}}",
            "webhook_secret": WEBHOOK_SECRET,
        },
    )
    assert answer.status_code == 200, answer.text
    published = gateway.post(
        f"/api/v1/jobs/{passed_job(team)}/publish",
        headers=seller,
        json={"category": "tools", "price_usd": 9.5, "name": "Stripe Kit"},
    )
    assert published.status_code == 201, published.text
    return {
        "seller": seller,
        "product": published.json()["id"],
        "provider": answer.json(),
    }


def customer(client: TestClient) -> dict[str, str]:
    return new_customer(client, "stripe-buyer")


def stripe_event(event_type: str, data_object: dict[str, Any]) -> bytes:
    """An event as Stripe's webhook sends it (the fields the payments worker reads)."""
    return json.dumps(
        {
            "id": f"evt_{next(_numbers)}_{data_object['id']}",
            "object": "event",
            "type": event_type,
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": data_object},
        }
    ).encode()


def signed_by_stripe(body: bytes, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    headers = signed_headers(secret, body)
    # The very header Stripe's own library accepts: the scheme is Stripe's, not ours.
    stripe.WebhookSignature.verify_header(
        body.decode(), headers["stripe-signature"], secret, tolerance=300
    )
    return headers


def test_setting_stripe_names_the_vault_secret_and_never_answers_a_key(
    stripe_shop: dict[str, Any], gateway: TestClient
) -> None:
    provider = stripe_shop["provider"]
    assert provider["provider"] == "stripe"
    assert provider["stripe_secret_key"] == "{{secrets.STRIPE_KEY}}"
    assert provider["livemode"] is False
    assert SECRET_KEY not in json.dumps(provider)
    assert WEBHOOK_SECRET not in json.dumps(provider)
    again = gateway.get("/api/v1/payment/provider", headers=stripe_shop["seller"]).json()
    assert again == provider
    from shared.hooks.source_store import lookup

    # Only what Stripe signs with the endpoint's secret is a confirmation.
    assert lookup(provider["source_id"]).secret == WEBHOOK_SECRET  # type: ignore[union-attr]


def test_a_stripe_checkout_is_paid_only_by_stripes_signed_event_and_refunded_at_stripe(
    client_at: Any, stripe_shop: dict[str, Any], fake_stripe: FakeStripe, pump: Any
) -> None:
    client = client_at()
    buyer = customer(client)
    seller = stripe_shop["seller"]
    download = f"/api/v1/customer/downloads/{stripe_shop['product']}"

    started = client.post(
        "/api/v1/payment/checkout",
        headers=buyer,
        json={"product_id": stripe_shop["product"], "success_url": "https://shop.example/ok"},
    )

    assert started.status_code == 201, started.text
    order = started.json()
    assert order["provider"] == "stripe"
    [call] = fake_stripe.calls(SESSIONS)
    assert order["checkout_url"].startswith(f"{FakeStripe.PAGE}/cs_test_")
    assert call.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert call.headers["idempotency-key"] == f"checkout-{order['id']}"
    form = call.body
    assert form["mode"] == "payment"
    assert form["client_reference_id"] == order["id"]
    assert form["metadata[order_id]"] == order["id"]
    assert form["payment_intent_data[metadata][order_id]"] == order["id"]
    assert form["line_items[0][price_data][unit_amount]"] == "950"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["success_url"] == "https://shop.example/ok"
    assert_error(client.get(download, headers=buyer), 403)

    # The buyer's browser coming back from Stripe, or a forged event, confirms nothing.
    paid_session = {
        "id": order["checkout_url"].rsplit("/", 1)[-1],
        "object": "checkout.session",
        "client_reference_id": order["id"],
        "payment_status": "paid",
        "payment_intent": "pi_fake_1",
        "amount_total": 950,
        "currency": "usd",
        "metadata": {"order_id": order["id"]},
    }
    body = stripe_event("checkout.session.completed", paid_session)
    hook = f"/api/v1/hooks/{stripe_shop['provider']['source_id']}"
    forged = client.post(hook, content=body, headers=signed_headers("whsec_forged0000000", body))
    assert_error(forged, 401)
    pump.drain()
    mine = f"/api/v1/customer/orders/{order['id']}"
    assert client.get(mine, headers=buyer).json()["status"] == "pending"
    assert_error(client.get(download, headers=buyer), 403)

    accepted = client.post(hook, content=body, headers=signed_by_stripe(body))
    assert accepted.status_code == 202, accepted.text
    pump.drain()
    assert client.get(mine, headers=buyer).json()["status"] == "paid"
    assert client.get(download, headers=buyer).status_code == 200

    refunded = client.post(f"/api/v1/payment/orders/{order['id']}/refund", headers=seller)
    assert refunded.status_code == 202, refunded.text
    [asked] = fake_stripe.calls(REFUNDS)
    assert asked.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert asked.headers["idempotency-key"].startswith("refund-")
    assert (asked.body["payment_intent"], asked.body["amount"]) == ("pi_fake_1", "950")
    assert asked.body["metadata[order_id]"] == order["id"]
    # Asked, not settled: Stripe's event settles it.
    assert client.get(mine, headers=buyer).json()["status"] == "paid"
    charge = {
        "id": "ch_fake_1",
        "object": "charge",
        "payment_intent": "pi_fake_1",
        "amount": 950,
        "amount_refunded": 950,
        "currency": "usd",
        # Stripe copies the PaymentIntent's metadata onto its charge.
        "metadata": {"order_id": order["id"]},
    }
    settled = stripe_event("charge.refunded", charge)
    assert client.post(hook, content=settled, headers=signed_by_stripe(settled)).status_code == 202
    pump.drain()
    assert client.get(mine, headers=buyer).json()["status"] == "refunded"
    assert_error(client.get(download, headers=buyer), 403)


def test_each_order_gets_its_own_session_and_a_retried_call_makes_one(
    client_at: Any, stripe_shop: dict[str, Any], fake_stripe: FakeStripe
) -> None:
    client = client_at()
    buyer = customer(client)
    body = {"product_id": stripe_shop["product"]}
    # Stripe fails the first attempt; its client retries with the same idempotency key.
    fake_stripe.script(
        "POST", SESSIONS, Reply(500, {"error": {"type": "api_error", "message": "boom"}})
    )

    first = client.post("/api/v1/payment/checkout", headers=buyer, json=body)
    second = client.post("/api/v1/payment/checkout", headers=buyer, json=body)

    assert first.status_code == second.status_code == 201, (first.text, second.text)
    calls = fake_stripe.calls(SESSIONS)
    keys = [call.headers["idempotency-key"] for call in calls]
    assert keys == [
        f"checkout-{first.json()['id']}",
        f"checkout-{first.json()['id']}",
        f"checkout-{second.json()['id']}",
    ]
    # An abandoned checkout and a new one are two sessions, each paying its own order.
    assert first.json()["checkout_url"] != second.json()["checkout_url"]


@pytest.mark.parametrize(
    ("reply", "status", "words"),
    [
        (
            Reply(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}),
            502,
            "secret key",
        ),
        (
            Reply(
                400,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "message": "Invalid currency: xyz",
                        "param": "currency",
                    }
                },
            ),
            422,
            "Invalid currency",
        ),
        (
            Reply(503, {"error": {"type": "api_error"}}, {"Stripe-Should-Retry": "false"}),
            502,
            "try again",
        ),
        (
            Reply(429, {"error": {"type": "invalid_request_error", "code": "rate_limit"}}),
            503,
            "limiting",
        ),
    ],
)
def test_stripes_failures_are_clear_answers_and_leave_no_checkout(
    client_at: Any,
    stripe_shop: dict[str, Any],
    fake_stripe: FakeStripe,
    reply: Reply,
    status: int,
    words: str,
) -> None:
    client = client_at()
    buyer = customer(client)
    fake_stripe.script("POST", SESSIONS, reply)

    answer = client.post(
        "/api/v1/payment/checkout", headers=buyer, json={"product_id": stripe_shop["product"]}
    )

    assert_error(answer, status)
    assert words in answer.json()["detail"]


def test_the_provider_setting_refuses_what_cannot_work(gateway: TestClient, token_for: Any) -> None:
    admin = dict(token_for("stripe-settings"))
    member = token_for("stripe-settings", "member")
    _secret(gateway, admin, "NOT_A_KEY", "hunter2-is-not-a-stripe-key")
    _secret(gateway, admin, "LIVE_KEY", "sk_live_51RealLookingKey0123456")

    def put(body: dict[str, Any], headers: dict[str, str] = admin) -> Any:
        return gateway.put("/api/v1/payment/provider", headers=headers, json=body)

    hook = {"webhook_secret": WEBHOOK_SECRET}
    assert_error(put({"provider": "stripe", **hook}), 422)  # no key
    assert_error(put({"provider": "stripe", "secret_key": SECRET_KEY, **hook}), 422)  # raw key
    missing = put({"provider": "stripe", "secret_key": "{{secrets.NOPE}}", **hook})
    assert_error(missing, 422)
    assert "NOPE" in missing.json()["detail"]
    assert_error(put({"provider": "stripe", "secret_key": "{{secrets.NOT_A_KEY}}", **hook}), 422)
    no_hook = put({"provider": "stripe", "secret_key": "{{secrets.LIVE_KEY}}"})
    assert_error(no_hook, 422)
    assert "webhook_secret" in no_hook.json()["detail"]
    bad_hook = {"provider": "stripe", "secret_key": "{{secrets.LIVE_KEY}}", "webhook_secret": "x"}
    assert_error(put(bad_hook), 422)
    assert_error(put({"provider": "test", **hook}), 422)
    assert_error(put({"provider": "stripe", "secret_key": "{{secrets.LIVE_KEY}}"}, member), 403)
    assert gateway.get("/api/v1/payment/provider", headers=admin).json()["provider"] == "test"

    live = put({"provider": "stripe", "secret_key": "{{secrets.LIVE_KEY}}", **hook})
    assert live.status_code == 200, live.text
    assert live.json()["livemode"] is True
    # Back to the test provider: the key's name stays, for refunds of Stripe orders.
    back = put({"provider": "test"})
    assert back.status_code == 200, back.text
    assert (back.json()["provider"], back.json()["stripe_secret_key"]) == (
        "test",
        "{{secrets.LIVE_KEY}}",
    )
    # Stripe again, keeping the endpoint's secret already set.
    assert put({"provider": "stripe"}).json()["provider"] == "stripe"

"""Payments end to end on the built-in test provider: a customer's checkout, the hosted
page paid with a test card, the provider's signed event through /hooks, hook_ingest and
the payment_events worker (the pump), and only then the order paid and the entitlement
granted; refunds taken back the same way; a confirmation without the provider's valid
signature, or the client's word, changes nothing."""

from __future__ import annotations

import json
import time
from itertools import count
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.payments import figures
from shared.payments.providers.builtin import signed_headers
from tests.factories import assert_error, new_customer, passed_job

_numbers = count(1)
PAYS = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0002"


@pytest.fixture(scope="module")
def seller(gateway: TestClient, token_for: Any) -> dict[str, str]:
    return dict(token_for("payments-seller"))


@pytest.fixture(scope="module")
def shop(gateway: TestClient, seller: dict[str, str]) -> dict[str, str]:
    team = gateway.get("/api/v1/auth/me", headers=seller).json()["team_id"]

    def publish(price: float) -> str:
        job = passed_job(team)
        answer = gateway.post(
            f"/api/v1/jobs/{job}/publish",
            headers=seller,
            json={"category": "tools", "price_usd": price, "name": f"Kit {price}"},
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    return {"team": team, "paid": publish(9.5), "free": publish(0)}


def customer(client: TestClient) -> dict[str, str]:
    return new_customer(client, "payer")


def checkout(client: TestClient, headers: dict[str, str], product: str, **extra: Any) -> Any:
    return client.post(
        "/api/v1/payment/checkout", headers=headers, json={"product_id": product}, **extra
    )


def pay(client: TestClient, order: dict[str, Any], card: str) -> Any:
    path = order["checkout_url"].split("testserver", 1)[-1]
    return client.post(f"{path}/pay", data={"card_number": card})


def test_a_product_is_paid_only_through_the_providers_signed_event(
    client_at: Any,
    shop: dict[str, str],
    seller: dict[str, str],
    pump: Any,
    published: list[tuple[str, dict[str, Any]]],
) -> None:
    client = client_at()
    buyer = customer(client)
    download = f"/api/v1/customer/downloads/{shop['paid']}"
    before = figures.team_figures(shop["team"])

    started = checkout(client, buyer, shop["paid"])
    assert started.status_code == 201, started.text
    order = started.json()
    assert (order["status"], order["amount_usd"], order["provider"]) == ("pending", 9.5, "test")
    page = client.get(order["checkout_url"].split("testserver", 1)[-1])
    assert page.status_code == 200
    assert "9.50 USD" in page.text

    assert_error(pay(client, order, DECLINED), 402)
    submitted = pay(client, order, PAYS)
    assert submitted.status_code == 200, submitted.text
    # Paid at the provider, but not confirmed yet: its event has not been applied.
    mine = f"/api/v1/customer/orders/{order['id']}"
    assert client.get(mine, headers=buyer).json()["status"] == "pending"
    assert_error(client.get(download, headers=buyer), 403)

    pump.drain()

    assert client.get(mine, headers=buyer).json()["status"] == "paid"
    assert client.get(download, headers=buyer).status_code == 200
    pay(client, order, PAYS)  # a second click: the same event, dropped as a duplicate
    pump.drain()
    after = figures.team_figures(shop["team"])
    assert after["orders_paid"] == before["orders_paid"] + 1
    assert after["revenue_usd"] == before["revenue_usd"] + 9.5
    # The seller's dashboard hears of it (dashboard.metrics, pushed to its sockets).
    [*_, announced] = [data for kind, data in published if kind == "dashboard.metrics"]
    assert (announced["team_id"], announced["orders_paid"]) == (shop["team"], after["orders_paid"])
    seen = client.get(f"/api/v1/payment/orders/{order['id']}", headers=seller).json()
    assert (seen["status"], seen["checkout_url"]) == ("paid", None)

    # The seller refunds it: once the provider's event is applied, the download is gone.
    refund = client.post(f"/api/v1/payment/orders/{order['id']}/refund", headers=seller)
    assert refund.status_code == 202, refund.text
    pump.drain()
    assert client.get(mine, headers=buyer).json()["status"] == "refunded"
    assert_error(client.get(download, headers=buyer), 403)
    assert_error(client.post(f"/api/v1/payment/orders/{order['id']}/refund", headers=seller), 409)


def test_a_confirmation_without_the_providers_signature_is_401_and_grants_nothing(
    client_at: Any, gateway: TestClient, shop: dict[str, str], seller: dict[str, str], pump: Any
) -> None:
    client = client_at()
    buyer = customer(client)
    order = checkout(client, buyer, shop["paid"]).json()
    source = gateway.get("/api/v1/payment/provider", headers=seller).json()["source_id"]
    event = {
        "id": f"evt_forged_{order['id']}",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "client_reference_id": order["id"],
                "payment_status": "paid",
                "amount_total": 950,
                "metadata": {"order_id": order["id"]},
            }
        },
    }
    body = json.dumps(event).encode()

    unsigned = client.post(f"/api/v1/hooks/{source}", content=body)
    forged = client.post(
        f"/api/v1/hooks/{source}",
        content=body,
        headers=signed_headers("whsec_not_the_sources_secret", body, time.time()),
    )
    pump.drain()

    assert_error(unsigned, 401)
    assert_error(forged, 401)
    assert (
        client.get(f"/api/v1/customer/orders/{order['id']}", headers=buyer).json()["status"]
        == "pending"
    )
    assert_error(client.get(f"/api/v1/customer/downloads/{shop['paid']}", headers=buyer), 403)


def test_another_teams_provider_event_cannot_pay_this_teams_order(
    client_at: Any, token_for: Any, shop: dict[str, str], pump: Any
) -> None:
    """A team signs what it likes on its own source: that moves only its own orders."""
    client = client_at()
    buyer = customer(client)
    order = checkout(client, buyer, shop["paid"]).json()
    other = token_for("payments-other-team")
    theirs = client.get("/api/v1/payment/provider", headers=other).json()["source_id"]
    from shared.hooks.source_store import lookup

    secret = lookup(theirs).secret  # type: ignore[union-attr]
    body = json.dumps(
        {
            "id": f"evt_cross_{order['id']}",
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "payment_status": "paid",
                    "amount_total": 950,
                    "metadata": {"order_id": order["id"]},
                }
            },
        }
    ).encode()

    accepted = client.post(
        f"/api/v1/hooks/{theirs}", content=body, headers=signed_headers(secret, body)
    )
    pump.drain()

    assert accepted.status_code == 202, accepted.text
    mine = client.get(f"/api/v1/customer/orders/{order['id']}", headers=buyer).json()
    assert mine["status"] == "pending"


def test_checkout_refusals_and_idempotency(
    client_at: Any, shop: dict[str, str], seller: dict[str, str]
) -> None:
    client = client_at()
    buyer = customer(client)
    key = {"headers": {**buyer, "Idempotency-Key": f"k-{next(_numbers)}"}}

    first = client.post("/api/v1/payment/checkout", json={"product_id": shop["paid"]}, **key)
    again = client.post("/api/v1/payment/checkout", json={"product_id": shop["paid"]}, **key)

    assert first.status_code == 201, first.text
    assert again.json()["id"] == first.json()["id"]
    assert_error(checkout(client, buyer, shop["free"]), 409)
    assert_error(checkout(client, buyer, "01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404)
    assert_error(checkout(client, seller, shop["paid"]), 401)  # a team token is no customer
    assert_error(client.get(f"/api/v1/customer/orders/{first.json()['id']}"), 401)
    other_buyer = customer(client)
    assert_error(
        client.get(f"/api/v1/customer/orders/{first.json()['id']}", headers=other_buyer), 404
    )
    assert_error(pay(client, first.json(), "1234 5678 9012 3456"), 422)


def test_the_provider_settings_name_the_webhook_url(gateway: TestClient, token_for: Any) -> None:
    admin = token_for("payments-settings")
    member = token_for("payments-settings", "member")

    answer = gateway.get("/api/v1/payment/provider", headers=admin)

    assert answer.status_code == 200, answer.text
    settings = answer.json()
    assert settings["provider"] == "test"
    assert settings["webhook_url"].endswith(f"/api/v1/hooks/{settings['source_id']}")
    assert gateway.get("/api/v1/payment/provider", headers=admin).json() == settings
    assert_error(gateway.get("/api/v1/payment/provider", headers=member), 403)


def test_a_refund_over_what_is_left_is_422_and_a_hosted_page_needs_its_checkout(
    client_at: Any, shop: dict[str, str], seller: dict[str, str], pump: Any
) -> None:
    client = client_at()
    buyer = customer(client)
    order = checkout(client, buyer, shop["paid"]).json()
    pay(client, order, PAYS)
    pump.drain()
    refunds = f"/api/v1/payment/orders/{order['id']}/refund"

    assert_error(client.post(refunds, headers=seller, json={"amount_usd": 9.51}), 422)
    assert client.post(refunds, headers=seller, json={"amount_usd": 2.5}).status_code == 202
    pump.drain()
    partly = client.get(f"/api/v1/customer/orders/{order['id']}", headers=buyer).json()
    assert (partly["status"], partly["refunded_usd"]) == ("paid", 2.5)  # still entitled
    assert_error(client.post(refunds, headers=seller, json={"amount_usd": 7.01}), 422)

    unknown = "/api/v1/payment/test-checkout/cs_test_01ARZ3NDEKTSV4RRFFQ69G5FAV"
    assert_error(client.get(unknown), 404)
    assert_error(client.post(f"{unknown}/pay", data={"card_number": PAYS}), 404)


def test_a_hosted_page_is_rate_limited_per_address(client_at: Any) -> None:
    client = client_at()
    path = "/api/v1/payment/test-checkout/cs_test_nothing/pay"

    answers = [client.post(path, data={"card_number": PAYS}).status_code for _ in range(31)]

    assert answers == [404] * 30 + [429]

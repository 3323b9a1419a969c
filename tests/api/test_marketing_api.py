"""Seed 000's marketing endpoints end to end: the storefront's highlights (the newest listed
products of its biggest categories), a listed product's share card (Open Graph), and
updates subscriptions with double opt-in: the confirmation e-mailed through SES (the
emulator's outbox), counted and shown to the seller only once confirmed, ended with the
e-mailed token; the same answer whoever subscribes, 410 for an expired confirmation, 404
for another team's product, 429 past the per-address limit."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from shared.ids import utcnow
from tests.factories import assert_error, passed_job
from tools.local.outbox import Mail, sent_mail

MARKETING = "/api/v1/marketing"
_numbers = count(1)


@pytest.fixture(scope="module")
def seller(token_for: Any) -> dict[str, str]:
    return dict(token_for("marketing-seller"))


def publish(gateway: TestClient, seller: dict[str, str], category: str, name: str) -> str:
    team = gateway.get("/api/v1/auth/me", headers=seller).json()["team_id"]
    answer = gateway.post(
        f"/api/v1/jobs/{passed_job(team)}/publish",
        headers=seller,
        json={"category": category, "price_usd": 4.5, "name": name, "tagline": f"{name}, fast"},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def address() -> str:
    return f"fan-{next(_numbers)}@example.com"


def mail_to(email: str) -> Mail:
    [mail] = [mail for mail in sent_mail() if mail.to == (email,)]
    return mail


def tokens_in(mail: Mail) -> tuple[str, str]:
    confirm, unsubscribe = re.findall(r'"token": "([\w-]+)"', mail.body)
    return confirm, unsubscribe


def subscribe(client: TestClient, email: str, product: str | None = None) -> Any:
    body: dict[str, Any] = {"email": email}
    if product is not None:
        body["product_id"] = product
    return client.post(f"{MARKETING}/subscribe", json=body)


def test_highlights_show_the_newest_listed_products_of_each_category(
    gateway: TestClient, seller: dict[str, str]
) -> None:
    older = publish(gateway, seller, "highlight-a", "Older A")
    newer = publish(gateway, seller, "highlight-a", "Newer A")
    other = publish(gateway, seller, "highlight-b", "Only B")

    answer = gateway.get(f"{MARKETING}/highlights", params={"per_category": 1})

    assert answer.status_code == 200, answer.text
    shown = {c["category"]: c for c in answer.json()["categories"]}
    assert [p["id"] for p in shown["highlight-a"]["products"]] == [newer]
    assert shown["highlight-a"]["count"] == 2
    assert [p["id"] for p in shown["highlight-b"]["products"]] == [other]
    assert older not in {p["id"] for c in shown.values() for p in c["products"]}
    assert_error(gateway.get(f"{MARKETING}/highlights", params={"per_category": 0}), 422)
    assert_error(gateway.get(f"{MARKETING}/highlights", params={"per_category": 11}), 422)


def test_a_share_card_carries_the_open_graph_fields(
    gateway: TestClient, seller: dict[str, str]
) -> None:
    product = publish(gateway, seller, "cards", "Card Kit")

    card = gateway.get(f"{MARKETING}/products/{product}/card")

    assert card.status_code == 200, card.text
    found = card.json()
    assert (found["title"], found["description"], found["price_usd"]) == (
        "Card Kit",
        "Card Kit, fast",
        4.5,
    )
    assert found["url"].endswith(f"/api/v1/products/{product}")
    graph = found["open_graph"]
    assert (graph["og:type"], graph["og:title"], graph["og:url"]) == (
        "product",
        "Card Kit",
        found["url"],
    )
    assert (graph["product:price:amount"], graph["product:price:currency"]) == ("4.50", "USD")
    assert_error(gateway.get(f"{MARKETING}/products/01ARZ3NDEKTSV4RRFFQ69G5FAV/card"), 404)


def test_a_subscription_counts_only_once_its_address_confirmed_it(
    gateway: TestClient, client_at: Any, seller: dict[str, str]
) -> None:
    product = publish(gateway, seller, "subscribed", "Subscribed Kit")
    email = address()

    asked = subscribe(client_at(), email.upper(), product)

    assert asked.status_code == 202, asked.text
    assert asked.json()["status"] == "pending"
    mail = mail_to(email)
    assert "Subscribed Kit" in mail.subject
    confirm, unsubscribe = tokens_in(mail)

    def counts() -> dict[str, Any]:
        page = gateway.get(f"{MARKETING}/subscribers", headers=seller, params={"limit": 100})
        assert page.status_code == 200, page.text
        return next(item for item in page.json()["items"] if item["product_id"] == product)

    listed = f"{MARKETING}/products/{product}/subscribers"
    assert (counts()["pending"], counts()["confirmed"]) == (1, 0)
    assert gateway.get(listed, headers=seller).json()["items"] == []

    confirmed = client_at().post(f"{MARKETING}/confirm", json={"token": confirm})
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["status"], confirmed.json()["product_id"]) == ("confirmed", product)
    assert (counts()["pending"], counts()["confirmed"]) == (1 - 1, 1)
    shown = gateway.get(listed, headers=seller).json()
    assert ([s["email"] for s in shown["items"]], shown["total"]) == ([email], 1)
    # The link is spent; subscribing again while confirmed changes nothing, sends nothing.
    assert_error(client_at().post(f"{MARKETING}/confirm", json={"token": confirm}), 404)
    before = len(sent_mail())
    assert subscribe(client_at(), email, product).json() == asked.json()
    assert len(sent_mail()) == before

    ended = client_at().post(f"{MARKETING}/unsubscribe", json={"token": unsubscribe})
    assert ended.json()["status"] == "unsubscribed"
    again = client_at().post(f"{MARKETING}/unsubscribe", json={"token": unsubscribe})
    assert again.json()["status"] == "unsubscribed"
    assert counts()["confirmed"] == 0
    assert gateway.get(listed, headers=seller).json()["items"] == []


def test_a_confirmation_expires_and_a_new_one_replaces_it(client_at: Any) -> None:
    email = address()
    subscribe(client_at(), email)  # the storefront's updates: no product
    first, _ = tokens_in(mail_to(email))

    with time_machine.travel(utcnow() + timedelta(hours=49), tick=False):
        assert_error(client_at().post(f"{MARKETING}/confirm", json={"token": first}), 410)
        subscribe(client_at(), email)
        second, _ = tokens_in(sent_mail()[-1])
        assert_error(client_at().post(f"{MARKETING}/confirm", json={"token": first}), 404)
        confirmed = client_at().post(f"{MARKETING}/confirm", json={"token": second})

    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["status"], confirmed.json()["product_id"]) == ("confirmed", None)


def test_bad_subscriptions_are_refused(
    gateway: TestClient, client_at: Any, seller: dict[str, str], token_for: Any
) -> None:
    product = publish(gateway, seller, "refusals", "Refused Kit")
    client = client_at()

    assert_error(subscribe(client, "not-an-address", product), 422)
    assert_error(subscribe(client, address(), "01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404)
    assert_error(client.post(f"{MARKETING}/confirm", json={"token": "x" * 32}), 404)
    assert_error(client.post(f"{MARKETING}/confirm", json={"token": "short"}), 422)
    assert_error(client.post(f"{MARKETING}/unsubscribe", json={"token": "y" * 32}), 404)
    stranger = token_for("marketing-stranger")
    assert_error(gateway.get(f"{MARKETING}/products/{product}/subscribers", headers=stranger), 404)
    member = token_for("marketing-seller", "member")
    assert_error(gateway.get(f"{MARKETING}/subscribers", headers=member), 403)

    one_address = client_at()
    answers = [subscribe(one_address, address(), product).status_code for _ in range(6)]
    assert answers == [202] * 5 + [429]

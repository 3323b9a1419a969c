"""Storefront customers end to end: accounts apart from team users (neither kind of token
stands in for the other), sign-in limits, rotating refresh tokens, free products claimed,
downloads only with an entitlement, and entitlements that follow orders (granted once per
paid order, taken back by its refund)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from itertools import count
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from shared.customers import entitlements
from tests.factories import STRONG_PASSWORD, assert_error, bearer, passed_job

CUSTOMER = "/api/v1/customer"
_numbers = count(1)


@dataclass(frozen=True)
class StandInOrder:
    """The fields of shared.payments.domain.Order the entitlements read."""

    id: str
    team_id: str
    purpose: str
    reference_id: str
    customer_id: str | None


@pytest.fixture(scope="module")
def seller(gateway: TestClient, token_for: Any) -> dict[str, str]:
    return dict(token_for("customers-seller"))


@pytest.fixture(scope="module")
def products(gateway: TestClient, seller: dict[str, str]) -> dict[str, str]:
    """A free listed product, a paid one, and a draft (never public)."""
    team = gateway.get("/api/v1/auth/me", headers=seller).json()["team_id"]

    def publish(**body: Any) -> str:
        answer = gateway.post(f"/api/v1/jobs/{passed_job(team)}/publish", headers=seller, json=body)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    from shared.products.service import create_draft

    draft = create_draft(team, job_id=None, name="Soon", category="x", description="d", actor="a")
    return {
        "free": publish(category="tools", price_usd=0),
        "paid": publish(category="tools", price_usd=9.5),
        "draft": draft.id,
        "team": team,
    }


def register(client: TestClient, **changes: Any) -> Any:
    body = {"email": f"buyer-{next(_numbers)}@example.com", "password": STRONG_PASSWORD}
    return client.post(f"{CUSTOMER}/register", json={**body, **changes})


def test_a_customer_registers_signs_in_and_is_not_a_team_user(
    client_at: Any, seller: dict[str, str]
) -> None:
    client = client_at()
    registered = register(client, name="Bea")
    assert registered.status_code == 201, registered.text
    session = registered.json()
    email = session["customer"]["email"]

    me = client.get(f"{CUSTOMER}/me", headers=bearer(session["access_token"]))
    signed_in = client.post(f"{CUSTOMER}/login", json={"email": email, "password": STRONG_PASSWORD})

    assert me.json() == session["customer"]
    assert me.json()["name"] == "Bea"
    assert signed_in.status_code == 200, signed_in.text
    # A customer token on a team route, and a team token on a customer route: 401 both.
    assert_error(client.get("/api/v1/auth/me", headers=bearer(session["access_token"])), 401)
    assert_error(client.get("/api/v1/jobs", headers=bearer(session["access_token"])), 401)
    assert_error(client.get(f"{CUSTOMER}/me", headers=seller), 401)
    assert_error(client.get(f"{CUSTOMER}/me"), 401)


def test_bad_sign_ups_and_sign_ins_are_refused(client_at: Any) -> None:
    client = client_at()
    email = register(client).json()["customer"]["email"]

    assert_error(register(client, email=email.upper()), 409)
    assert_error(register(client, password="password1234"), 422)
    assert_error(register(client, email="not-an-address"), 422)
    wrong = {"email": email, "password": "not the password at all"}
    answers = [client_at().post(f"{CUSTOMER}/login", json=wrong) for _ in range(11)]
    assert [a.status_code for a in answers] == [401] * 10 + [429]
    assert "Retry-After" in answers[-1].headers


def test_a_refresh_token_rotates_and_a_reused_one_ends_the_sign_in(client_at: Any) -> None:
    client = client_at()
    first = register(client).json()

    second = client.post(f"{CUSTOMER}/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    renewed = second.json()
    assert renewed["refresh_token"] != first["refresh_token"]
    assert client.get(f"{CUSTOMER}/me", headers=bearer(renewed["access_token"])).status_code == 200

    replayed = client.post(f"{CUSTOMER}/refresh", json={"refresh_token": first["refresh_token"]})
    after = client.post(f"{CUSTOMER}/refresh", json={"refresh_token": renewed["refresh_token"]})

    assert_error(replayed, 401)
    assert_error(after, 401)  # the sign-in ended: the thief's copy and the owner's alike


def test_a_free_product_is_claimed_once_and_a_paid_one_is_bought(
    client_at: Any, products: dict[str, str]
) -> None:
    client = client_at()
    headers = bearer(register(client).json()["access_token"])

    def claim(product: str) -> Any:
        return client.post(
            f"{CUSTOMER}/entitlements", headers=headers, json={"product_id": product}
        )

    first, again = claim(products["free"]), claim(products["free"])

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["source"] == "free"
    paid = claim(products["paid"])
    assert_error(paid, 402)
    assert "/payment/checkout" in paid.json()["detail"]
    assert_error(claim(products["draft"]), 404)
    listed = client.get(f"{CUSTOMER}/entitlements", headers=headers).json()
    assert [item["product_id"] for item in listed["items"]] == [products["free"]]
    assert listed["total"] == 1


def test_a_download_needs_an_entitlement(client_at: Any, products: dict[str, str]) -> None:
    client = client_at()
    headers = bearer(register(client).json()["access_token"])
    url = f"{CUSTOMER}/downloads/{products['free']}"

    assert_error(client.get(url, headers=headers), 403)
    client.post(f"{CUSTOMER}/entitlements", headers=headers, json={"product_id": products["free"]})
    link = client.get(url, headers=headers)

    assert link.status_code == 200, link.text
    archive = zipfile.ZipFile(io.BytesIO(httpx.get(link.json()["url"]).content))
    assert "README.md" in archive.namelist()
    assert_error(
        client.get(f"{CUSTOMER}/downloads/01ARZ3NDEKTSV4RRFFQ69G5FAV", headers=headers), 404
    )


def test_entitlements_follow_paid_orders_once_and_their_refunds(
    client_at: Any, products: dict[str, str]
) -> None:
    client = client_at()
    session = register(client).json()
    customer = session["customer"]["id"]
    headers = bearer(session["access_token"])
    order = StandInOrder("01ORDER", products["team"], "product", products["paid"], customer)
    url = f"{CUSTOMER}/downloads/{products['paid']}"

    entitlements.grant_for_order(order)  # type: ignore[arg-type]
    entitlements.grant_for_order(order)  # type: ignore[arg-type]  # a redelivered confirmation

    assert client.get(url, headers=headers).status_code == 200
    listed = client.get(f"{CUSTOMER}/entitlements", headers=headers).json()
    assert [(e["source"], e["order_id"]) for e in listed["items"]] == [("order", "01ORDER")]
    # Another order's refund takes nothing; its own takes the entitlement back.
    entitlements.revoke_for_order(
        StandInOrder("01OTHER", "t", "product", products["paid"], customer)
    )  # type: ignore[arg-type]
    assert entitlements.has_entitlement(customer, products["paid"])
    entitlements.revoke_for_order(order)  # type: ignore[arg-type]
    assert_error(client.get(url, headers=headers), 403)

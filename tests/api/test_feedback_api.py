"""Product feedback end to end: visitors rate listed products (an account once per product,
its later rating replacing the first; verified when the account is entitled to the
product), everyone reads a product's summary (from counters) and its visible ratings page
by page, and the seller's admins list theirs and hide or show them; another team's product
or rating is 404, a member 403, too many ratings from one address 429."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import assert_error, new_customer, passed_job

FEEDBACK = "/api/v1/feedback"


@pytest.fixture(scope="module")
def seller(token_for: Any) -> dict[str, str]:
    return dict(token_for("feedback-seller"))


def publish(gateway: TestClient, seller: dict[str, str], name: str) -> str:
    team = gateway.get("/api/v1/auth/me", headers=seller).json()["team_id"]
    answer = gateway.post(
        f"/api/v1/jobs/{passed_job(team)}/publish",
        headers=seller,
        json={"category": "tools", "price_usd": 0, "name": name},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def rate(client: TestClient, product: str, rating: Any, **extra: Any) -> Any:
    headers = extra.pop("headers", {})
    return client.post(
        FEEDBACK, json={"product_id": product, "rating": rating, **extra}, headers=headers
    )


def ratings_of(client: TestClient, product: str, **params: Any) -> dict[str, Any]:
    answer = client.get(f"{FEEDBACK}/products/{product}", params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_ratings_are_summed_up_and_an_accounts_second_rating_replaces_its_first(
    gateway: TestClient, client_at: Any, seller: dict[str, str]
) -> None:
    product = publish(gateway, seller, "Rated Kit")
    visitor = client_at()
    anonymous = rate(visitor, product, 5, comment="Lovely", email="fan@example.com")
    assert anonymous.status_code == 201, anonymous.text
    assert anonymous.json()["verified_buyer"] is False
    assert "email" not in anonymous.json()

    buyer_client = client_at()
    buyer = new_customer(buyer_client, "rater")
    first = rate(buyer_client, product, 2, comment="Meh", headers=buyer)
    assert first.status_code == 201, first.text
    assert first.json()["verified_buyer"] is False  # not entitled yet
    claimed = buyer_client.post(
        "/api/v1/customer/entitlements", headers=buyer, json={"product_id": product}
    )
    assert claimed.status_code == 201, claimed.text
    # A whole number written as a float is a JSON integer.
    second = rate(buyer_client, product, 4.0, comment="Better now", headers=buyer)

    assert second.status_code == 200, second.text
    assert (second.json()["id"], second.json()["replaced"]) == (first.json()["id"], True)
    assert second.json()["verified_buyer"] is True
    shown = ratings_of(visitor, product)
    assert (shown["count"], shown["average"]) == (2, 4.5)
    assert shown["by_rating"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}
    assert [(i["rating"], i["comment"]) for i in shown["items"]] == [
        (4, "Better now"),
        (5, "Lovely"),
    ]
    assert all("email" not in item and "customer_id" not in item for item in shown["items"])


def test_bad_ratings_are_refused_and_store_nothing(
    gateway: TestClient, client_at: Any, seller: dict[str, str], token_for: Any
) -> None:
    product = publish(gateway, seller, "Strict Kit")
    client = client_at()

    for wrong in (0, 6, "5", True, 3.5, None):
        assert_error(rate(client, product, wrong), 422)
    assert_error(client.post(FEEDBACK, json={"product_id": product, "rating": 3, "x": 1}), 422)
    assert_error(rate(client, product, 3, comment="x" * 2001), 422)
    assert_error(rate(client, "01ARZ3NDEKTSV4RRFFQ69G5FAV", 3), 404)
    # A token that is sent must be a customer's: a team's or a made-up one is 401.
    assert_error(rate(client, product, 3, headers=seller), 401)
    assert_error(rate(client, product, 3, headers={"Authorization": "Bearer nope"}), 401)
    assert_error(client.get(f"{FEEDBACK}/products/01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404)
    assert ratings_of(client, product)["count"] == 0


def test_ratings_are_limited_per_address(
    gateway: TestClient, client_at: Any, seller: dict[str, str]
) -> None:
    product = publish(gateway, seller, "Busy Kit")
    one_address = client_at()
    answers = [rate(one_address, product, 3).status_code for _ in range(11)]

    assert answers == [201] * 10 + [429]
    assert rate(client_at(), product, 3).status_code == 201  # another address
    assert ratings_of(one_address, product)["count"] == 11


def test_a_products_ratings_are_paged_newest_first_each_once(
    gateway: TestClient, client_at: Any, seller: dict[str, str]
) -> None:
    product = publish(gateway, seller, "Paged Kit")
    made = [rate(client_at(), product, n).json()["id"] for n in (1, 2, 3, 4, 5)]

    first = ratings_of(client_at(), product, limit=2)
    seen = [item["id"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = ratings_of(client_at(), product, limit=2, cursor=cursor)
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]

    assert seen == list(reversed(made))
    assert_error(client_at().get(f"{FEEDBACK}/products/{product}", params={"cursor": "x"}), 400)


def test_the_seller_lists_its_ratings_and_hides_or_shows_them(
    gateway: TestClient, client_at: Any, seller: dict[str, str], token_for: Any
) -> None:
    product = publish(gateway, seller, "Moderated Kit")
    other_product = publish(gateway, seller, "Other Kit")
    spam = rate(client_at(), product, 1, comment="spam spam", email="spam@example.com").json()
    kept = rate(client_at(), product, 5).json()
    rate(client_at(), other_product, 3)

    mine = gateway.get(FEEDBACK, headers=seller, params={"product_id": product})
    assert mine.status_code == 200, mine.text
    assert mine.json()["total"] == 2
    assert [i["id"] for i in mine.json()["items"]] == [kept["id"], spam["id"]]
    assert mine.json()["items"][1]["email"] == "spam@example.com"
    every = gateway.get(FEEDBACK, headers=seller).json()
    assert {spam["id"], kept["id"]} <= {item["id"] for item in every["items"]}

    hidden = gateway.post(f"{FEEDBACK}/{spam['id']}/hide", headers=seller)
    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["hidden"] is True
    public = ratings_of(client_at(), product)
    assert (public["count"], public["average"]) == (1, 5.0)
    assert [item["id"] for item in public["items"]] == [kept["id"]]
    held = gateway.get(FEEDBACK, headers=seller, params={"product_id": product, "hidden": True})
    assert ([i["id"] for i in held.json()["items"]], held.json()["total"]) == ([spam["id"]], 1)
    team_hidden = gateway.get(FEEDBACK, headers=seller, params={"hidden": True}).json()
    assert [item["id"] for item in team_hidden["items"]] == [spam["id"]]

    shown = gateway.post(f"{FEEDBACK}/{spam['id']}/show", headers=seller)
    assert shown.json()["hidden"] is False
    assert ratings_of(client_at(), product)["count"] == 2

    # Another team's admins see none of it; a member may not moderate.
    stranger = token_for("feedback-stranger")
    assert_error(gateway.post(f"{FEEDBACK}/{spam['id']}/hide", headers=stranger), 404)
    assert_error(gateway.get(FEEDBACK, headers=stranger, params={"product_id": product}), 404)
    assert gateway.get(FEEDBACK, headers=stranger).json()["items"] == []
    member = token_for("feedback-seller", "member")
    assert_error(gateway.post(f"{FEEDBACK}/{spam['id']}/hide", headers=member), 403)
    assert_error(gateway.get(FEEDBACK), 401)

"""Storefront telemetry end to end: a product page's batch kept as one object per seller and
counted per product, day and event name; events of unlisted products refused; a body over
the cap is 413 before it is parsed, and stores nothing; the per-address limit; a seller
reads its own product's counts only."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from shared.aws import client
from shared.settings import get_settings
from shared.telemetry.domain import MAX_BATCH_BYTES
from tests.factories import Account, assert_error, passed_job

EVENTS = "/api/v1/telemetry/events"


@pytest.fixture
def seller(new_account: Callable[..., Account]) -> Account:
    return new_account()


@pytest.fixture
def product(seller: Account) -> str:
    answer = seller.client.post(
        f"/api/v1/jobs/{passed_job(seller.team_id)}/publish",
        headers=seller.headers,
        json={"category": "web"},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def objects_of(seller_id: str) -> list[str]:
    listed = client("s3").list_objects_v2(
        Bucket=get_settings().artifacts_bucket, Prefix=f"telemetry/{seller_id}/"
    )
    return [obj["Key"] for obj in listed.get("Contents", [])]


def test_a_batch_is_kept_once_per_seller_and_counted(
    seller: Account, product: str, client_at: Any
) -> None:
    page = client_at()
    batch = {
        "events": [
            {"name": "page_view", "product_id": product, "session_id": "s1"},
            {"name": "page_view", "product_id": product, "session_id": "s2"},
            {"name": "buy_clicked", "product_id": product, "properties": {"button": "top"}},
            {"name": "page_view", "product_id": "01JF3ZA1B2C3D4E5F6G7H8J9K0"},
        ]
    }
    answer = page.post(EVENTS, json=batch)
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"accepted": 3, "rejected": 1}

    [key] = objects_of(seller.team_id)
    body = client("s3").get_object(Bucket=get_settings().artifacts_bucket, Key=key)["Body"]
    lines = [json.loads(line) for line in body.read().decode().splitlines()]
    assert [line["name"] for line in lines] == ["page_view", "page_view", "buy_clicked"]
    assert lines[2]["properties"] == {"button": "top"}

    summary = seller.client.get(
        f"/api/v1/telemetry/summary?product_id={product}&days=7", headers=seller.headers
    )
    assert summary.status_code == 200, summary.text
    assert summary.json()["total"] == 3
    assert summary.json()["by_name"] == {"page_view": 2, "buy_clicked": 1}
    assert [day["total"] for day in summary.json()["by_day"]] == [3]


def test_a_batch_over_the_cap_is_413_and_keeps_nothing(
    seller: Account, product: str, client_at: Any
) -> None:
    filler = "x" * 1000
    events = [
        {"name": "page_view", "product_id": product, "properties": {"pad": filler}}
        for _ in range(70)
    ]
    body = json.dumps({"events": events})
    assert len(body) > MAX_BATCH_BYTES
    answer = client_at().post(EVENTS, content=body, headers={"Content-Type": "application/json"})
    assert_error(answer, 413)
    assert objects_of(seller.team_id) == []


def test_bad_batches_are_422_and_the_address_limit_429(product: str, client_at: Any) -> None:
    page = client_at()
    assert_error(page.post(EVENTS, json={"events": []}), 422)
    assert_error(
        page.post(EVENTS, json={"events": [{"name": "Bad Name", "product_id": product}]}), 422
    )
    many = {"events": [{"name": "page_view", "product_id": product}] * 101}
    assert_error(page.post(EVENTS, json=many), 422)

    flood = client_at()
    one = {"events": [{"name": "page_view", "product_id": product}]}
    answers = [flood.post(EVENTS, json=one).status_code for _ in range(61)]
    assert answers == [202] * 60 + [429]


def test_a_seller_reads_only_its_own_products_counts(
    product: str, new_account: Callable[..., Account]
) -> None:
    other = new_account()
    assert_error(
        other.client.get(f"/api/v1/telemetry/summary?product_id={product}", headers=other.headers),
        404,
    )

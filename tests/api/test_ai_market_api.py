"""The AI Market v1 end to end through the local gateway and pump: the crawl manifest at
the root, the signed tool catalog of listed products (verified with the published keys),
plans from a request, a paid capability answered 402 with what to pay, a channel opened and
paid on the test provider's page (funded only by the provider's signed event), the call
made again and charged once per Idempotency-Key, the channel closed with what is left
refunded; pipelines' bills of materials."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from tests.factories import Account, assert_error, passed_job

PAYS = "4242424242424242"


def publish(seller: Account, **body: Any) -> str:
    answer = seller.client.post(
        f"/api/v1/jobs/{passed_job(seller.team_id)}/publish", headers=seller.headers, json=body
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


@pytest.fixture
def seller(new_account: Callable[..., Account]) -> Account:
    return new_account()


def invoke(client: Any, pid: str, **headers: str) -> Any:
    return client.post(f"/capabilities/{pid}/download/invoke", json={}, headers=headers)


def channel_headers(channel: dict[str, Any], key: str | None = None) -> dict[str, str]:
    headers = {"X-AI-Market-Channel": channel["channel_id"], "X-AI-Market-Token": channel["token"]}
    return {**headers, **({"Idempotency-Key": key} if key else {})}


def pay(client: Any, checkout_url: str) -> None:
    path = checkout_url.split("testserver", 1)[-1]
    assert client.post(f"{path}/pay", data={"card_number": PAYS}).status_code == 200


def test_the_crawl_manifest_is_at_the_root_and_under_the_api(client_at: Any) -> None:
    client = client_at()
    root = client.get("/.well-known/ai-market.json")
    assert root.status_code == 200, root.text
    assert root.json()["protocol"] == "ai-market/1"
    assert root.json()["endpoints"]["invoke"] == "/capabilities/{pid}/{cid}/invoke"
    assert root.json()["signing"]["jwks_uri"] == "/.well-known/jwks.json"
    assert client.get("/api/v1/.well-known/ai-market.json").json() == root.json()


def test_the_manifest_lists_listed_products_only_and_its_signature_verifies(
    seller: Account, client_at: Any
) -> None:
    from shared.products.service import create_draft

    listed = publish(seller, name="Invoice Helper", category="tools", price_usd=3)
    draft = create_draft(
        seller.team_id, job_id=None, name="Soon", category="x", description="d", actor="a"
    )
    client = client_at()
    tools: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        page = client.get(
            "/ai-market/manifest", params={"limit": 100, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200, page.text
        body = page.json()
        signature = body.pop("signature")
        keys = client.get("/.well-known/jwks.json").json()["keys"]
        kid = jwt.get_unverified_header(signature)["kid"]
        key = jwt.PyJWK(next(k for k in keys if k["kid"] == kid))
        claims = jwt.decode(
            signature, key, algorithms=["ES256"], audience="software-factory-api/ai-market"
        )
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert claims["manifest_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
        tools |= {tool["pid"]: tool for tool in body["tools"]}
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert tools[listed]["name"] == f"{listed}.download"
    assert tools[listed]["price_usd"] == 3
    assert tools[listed]["inputSchema"]["type"] == "object"
    assert draft.id not in tools
    # A body changed after signing no longer matches its signature's digest.
    body["tools"] = [*body["tools"][:-1], {"forged": True}]
    forged = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert claims["manifest_sha256"] != hashlib.sha256(forged.encode()).hexdigest()


def test_discover_plans_from_a_request_within_a_budget(seller: Account, client_at: Any) -> None:
    pets = publish(
        seller,
        name="Berlin Pet Sitters",
        category="landing-pages",
        price_usd=4,
        description="A landing page for pet sitters in Berlin",
    )
    other = publish(seller, name="Pet Invoices", category="tools", price_usd=9)
    client = client_at()
    plan = client.post("/ai-market/discover", json={"request": "landing page for pet sitters"})
    assert plan.status_code == 200, plan.text
    steps = [step["pid"] for step in plan.json()["steps"]]
    assert steps[0] == pets
    assert other in steps  # "pet" only: ranked after
    assert "pet" in plan.json()["steps"][0]["why"]
    tight = client.post(
        "/ai-market/discover", json={"request": "landing page for pet sitters", "budget_usd": 5}
    ).json()
    assert [step["pid"] for step in tight["steps"]] == [pets]
    assert tight["total_usd"] == 4
    assert tight["within_budget"] is True
    assert_error(client.post("/ai-market/discover", json={"request": ""}), 422)


def test_a_paid_capability_is_402_then_paid_through_a_channel_and_charged_once(
    seller: Account, client_at: Any, pump: Any
) -> None:
    product = publish(seller, name="Pet Pages", category="web", price_usd=2.5)
    machine = client_at()

    unpaid = invoke(machine, product)
    assert unpaid.status_code == 402, unpaid.text
    quote = unpaid.json()["payment"]
    assert quote == {
        "pid": product,
        "cid": "download",
        "seller_id": seller.team_id,
        "amount_usd": 2.5,
        "currency": "usd",
        "channel_open": "/ai-market/channel/open",
    }
    assert set(unpaid.json()) == {"detail", "request_id", "payment"}

    opened = machine.post(
        "/ai-market/channel/open", json={"seller_id": quote["seller_id"], "amount_usd": 5}
    )
    assert opened.status_code == 201, opened.text
    channel = opened.json()
    assert (channel["status"], channel["balance_usd"]) == ("pending", 0)
    # Not funded until the provider's signed event says it was paid.
    assert invoke(machine, product, **channel_headers(channel)).status_code == 402
    pay(machine, channel["checkout_url"])
    pump.drain()
    funded = machine.get(
        f"/ai-market/channels/{channel['channel_id']}", headers=channel_headers(channel)
    ).json()
    assert (funded["status"], funded["balance_usd"]) == ("open", 5)

    first = invoke(machine, product, **channel_headers(channel, "call-1"))
    assert first.status_code == 200, first.text
    assert (first.json()["charged_usd"], first.json()["balance_usd"]) == (2.5, 2.5)
    assert first.json()["output"]["url"].startswith("http")
    again = invoke(machine, product, **channel_headers(channel, "call-1"))
    assert (again.json()["charged_usd"], again.json()["replayed"]) == (0, True)
    second = invoke(machine, product, **channel_headers(channel, "call-2"))
    assert second.json()["balance_usd"] == 0
    short = invoke(machine, product, **channel_headers(channel, "call-3"))
    assert short.status_code == 402
    assert "holds $0.00" in short.json()["detail"]
    # The channel's token is its credential.
    wrong = {**channel_headers(channel), "X-AI-Market-Token": "guessed"}
    assert_error(invoke(machine, product, **wrong), 401)


def test_closing_a_channel_refunds_what_is_left_through_its_payment(
    seller: Account, client_at: Any, pump: Any
) -> None:
    product = publish(seller, name="Pet Pages", category="web", price_usd=1)
    machine = client_at()
    channel = machine.post(
        "/ai-market/channel/open", json={"seller_id": seller.team_id, "amount_usd": 3}
    ).json()
    # Not funded yet: closing now would leave a later payment funding nothing.
    assert_error(
        machine.post(
            "/ai-market/channel/close",
            json={"channel_id": channel["channel_id"]},
            headers={"X-AI-Market-Token": channel["token"]},
        ),
        409,
    )
    pay(machine, channel["checkout_url"])
    pump.drain()
    assert invoke(machine, product, **channel_headers(channel, "one")).status_code == 200

    closed = machine.post(
        "/ai-market/channel/close",
        json={"channel_id": channel["channel_id"]},
        headers={"X-AI-Market-Token": channel["token"]},
    )
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["refunded_usd"]) == ("closed", 2)
    pump.drain()
    orders = seller.client.get("/api/v1/payment/orders", headers=seller.headers).json()["items"]
    [order] = [o for o in orders if o["reference_id"] == channel["channel_id"]]
    assert order["purpose"] == "channel"
    assert order["refunded_usd"] == 2
    assert invoke(machine, product, **channel_headers(channel, "two")).status_code == 402
    assert_error(
        machine.post("/ai-market/channel/close", json={"channel_id": channel["channel_id"]}), 401
    )


def test_a_free_capability_needs_no_channel_and_bad_channels_are_refused(
    seller: Account, client_at: Any, new_account: Callable[..., Account]
) -> None:
    free = publish(seller, name="Free Pages", category="web", price_usd=0)
    machine = client_at()
    answer = invoke(machine, free)
    assert answer.status_code == 200, answer.text
    assert answer.json()["charged_usd"] == 0
    assert_error(invoke(machine, "01JF3ZA1B2C3D4E5F6G7H8J9K0"), 404)
    assert_error(machine.post("/capabilities/" + free + "/run/invoke", json={}), 404)
    nobody = new_account()
    assert_error(
        machine.post(
            "/ai-market/channel/open", json={"seller_id": nobody.team_id, "amount_usd": 5}
        ),
        404,
    )
    assert_error(
        machine.post(
            "/ai-market/channel/open", json={"seller_id": seller.team_id, "amount_usd": 0.1}
        ),
        422,
    )


def test_a_pipeline_is_checked_and_priced(seller: Account, client_at: Any) -> None:
    one = publish(seller, name="Pages", category="web", price_usd=2)
    two = publish(seller, name="Invoices", category="tools", price_usd=3)
    client = client_at()
    bill = client.post(
        "/ai-market/pipelines",
        json={
            "steps": [
                {"id": "b", "pid": two, "cid": "download", "depends_on": ["a"]},
                {"id": "a", "pid": one, "cid": "download"},
            ]
        },
    )
    assert bill.status_code == 200, bill.text
    assert bill.json()["order"] == ["a", "b"]
    assert bill.json()["total_usd"] == 5
    assert bill.json()["by_seller"] == [{"seller_id": seller.team_id, "total_usd": 5}]

    def refused(steps: list[dict[str, Any]]) -> str:
        answer = client.post("/ai-market/pipelines", json={"steps": steps})
        assert_error(answer, 422)
        return str(answer.json()["detail"])

    cycle = [
        {"id": "a", "pid": one, "cid": "download", "depends_on": ["b"]},
        {"id": "b", "pid": two, "cid": "download", "depends_on": ["a"]},
    ]
    assert "cycle" in refused(cycle)
    assert "unknown step" in refused(
        [{"id": "a", "pid": one, "cid": "download", "depends_on": ["z"]}]
    )
    assert "no capability" in refused([{"id": "a", "pid": one, "cid": "run"}])

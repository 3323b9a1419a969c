"""Deployed agents as AI Market capabilities, through the local gateway and pump: a team's
PUBLIC deployment is the capability `agent-<team>.<friendly name>` in the signed catalog
(a key-protected one never is, an undeployed one leaves it), found by the words of its
description, called as `/rest/<name>` runs it: free without a channel, priced through the
402 → channel → pay → call flow, charged once per Idempotency-Key and not at all when it
fails; pipelines price it; one cursor pages products then agents, each once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest

from shared.ids import new_id
from shared.sandbox import runner
from tests.factories import WORD_COUNT_INPUT as INPUT
from tests.factories import WORD_COUNT_OUTPUT as OUTPUT
from tests.factories import WORD_COUNT_RUN as WORDS
from tests.factories import Account, assert_error, passed_job

API = "/api/v1"
PAYS = "4242424242424242"


@pytest.fixture(scope="module", autouse=True)
def _spare_child() -> Iterator[None]:
    yield
    runner.discard_spare()


@pytest.fixture
def seller(new_account: Callable[..., Account]) -> Account:
    return new_account()


def deployed(account: Account, description: str = "Counts the words of a text", **body: Any) -> str:
    """A code agent of the account's team deployed under a fresh name: the name."""
    agent = account.client.post(
        f"{API}/agents",
        headers=account.headers,
        json={
            "name": "Word counter",
            "description": description,
            "code": WORDS,
            "inputSchema": INPUT,
            "outputSchema": OUTPUT,
        },
    )
    assert agent.status_code == 201, agent.text
    name = f"words-{new_id().lower()[-10:]}"
    answer = account.client.post(
        f"{API}/agents/{agent.json()['id']}/deploy",
        headers=account.headers,
        json={"friendly_name": name, **body},
    )
    assert answer.status_code == 201, answer.text
    return name


def agent_id_of(account: Account, name: str) -> str:
    listed = account.client.get(
        f"{API}/deployments", headers=account.headers, params={"limit": 100}
    )
    return str(next(d["agent_id"] for d in listed.json()["items"] if d["friendly_name"] == name))


def verified_pages(client: Any, limit: int) -> list[dict[str, Any]]:
    """Every manifest page, each signature checked against the published keys."""
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    pages: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = client.get("/ai-market/manifest", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        signature = body.pop("signature")
        kid = jwt.get_unverified_header(signature)["kid"]
        claims = jwt.decode(
            signature,
            jwt.PyJWK(next(k for k in keys if k["kid"] == kid)),
            algorithms=["ES256"],
            audience="software-factory-api/ai-market",
        )
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert claims["manifest_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
        pages.append(body)
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def tools(client: Any) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for page in verified_pages(client, 100) for t in page["tools"]}


def invoke(client: Any, pid: str, cid: str, body: Any, **headers: str) -> Any:
    return client.post(f"/capabilities/{pid}/{cid}/invoke", json=body, headers=headers)


def channel_headers(channel: dict[str, Any], key: str | None = None) -> dict[str, str]:
    headers = {"X-AI-Market-Channel": channel["channel_id"], "X-AI-Market-Token": channel["token"]}
    return {**headers, **({"Idempotency-Key": key} if key else {})}


def test_a_public_deployment_is_in_the_signed_catalog_and_a_private_or_undeployed_one_not(
    seller: Account, client_at: Any
) -> None:
    public = deployed(seller, public=True, price_usd=0.25)
    private = deployed(seller, public=False)
    client = client_at()

    found = tools(client)
    pid = f"agent-{seller.team_id}"
    tool = found[f"{pid}.{public}"]
    assert (tool["pid"], tool["cid"], tool["seller_id"]) == (pid, public, seller.team_id)
    assert tool["price_usd"] == 0.25
    assert tool["inputSchema"] == INPUT
    assert tool["description"] == "Counts the words of a text"
    assert tool["annotations"]["readOnlyHint"] is False
    assert f"{pid}.{private}" not in found
    assert_error(invoke(client, pid, private, {"input": {"text": "a b"}}), 404)

    agent_id = agent_id_of(seller, public)
    gone = seller.client.delete(f"{API}/agents/{agent_id}/undeploy", headers=seller.headers)
    assert gone.status_code in (200, 204), gone.text
    assert f"{pid}.{public}" not in tools(client)
    assert_error(invoke(client, pid, public, {"input": {"text": "a b"}}), 404)


def test_a_free_agent_runs_without_a_channel(seller: Account, client_at: Any) -> None:
    name = deployed(seller, public=True)
    machine = client_at()
    answer = invoke(machine, f"agent-{seller.team_id}", name, {"input": {"text": "one two three"}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["output"] == {"count": 3}
    assert (answer.json()["charged_usd"], answer.json()["balance_usd"]) == (0, None)
    # Its input is checked against the agent's schema, as /rest does.
    assert_error(invoke(machine, f"agent-{seller.team_id}", name, {"input": {}}), 422)
    # Another team's pid does not reach it.
    assert_error(invoke(machine, f"agent-{new_id()}", name, {"input": {"text": "a"}}), 404)


def test_a_priced_agent_is_402_then_paid_through_a_channel_and_charged_once(
    seller: Account, client_at: Any, pump: Any
) -> None:
    name = deployed(seller, public=True, price_usd=1.5)
    pid = f"agent-{seller.team_id}"
    machine = client_at()
    text = {"input": {"text": "the quick brown fox"}}

    unpaid = invoke(machine, pid, name, text)
    assert unpaid.status_code == 402, unpaid.text
    quote = unpaid.json()["payment"]
    assert (quote["pid"], quote["cid"], quote["amount_usd"]) == (pid, name, 1.5)
    assert quote["seller_id"] == seller.team_id

    # The seller has no listed product: its public agent is enough to open a channel.
    opened = machine.post(
        "/ai-market/channel/open", json={"seller_id": seller.team_id, "amount_usd": 3.5}
    )
    assert opened.status_code == 201, opened.text
    channel = opened.json()
    path = channel["checkout_url"].split("testserver", 1)[-1]
    assert machine.post(f"{path}/pay", data={"card_number": PAYS}).status_code == 200
    pump.drain()

    first = invoke(machine, pid, name, text, **channel_headers(channel, "call-1"))
    assert first.status_code == 200, first.text
    assert first.json()["output"] == {"count": 4}
    assert (first.json()["charged_usd"], first.json()["balance_usd"]) == (1.5, 2)
    # The same key: the kept output again, nothing charged, the agent not run again.
    again = invoke(machine, pid, name, text, **channel_headers(channel, "call-1"))
    assert again.status_code == 200, again.text
    assert again.json()["output"] == {"count": 4}
    assert (again.json()["charged_usd"], again.json()["replayed"]) == (0, True)
    # A failing run (input refused by the schema) is not charged, and its key is free.
    failed = invoke(machine, pid, name, {"input": {}}, **channel_headers(channel, "call-2"))
    assert_error(failed, 422)
    balance = machine.get(
        f"/ai-market/channels/{channel['channel_id']}", headers=channel_headers(channel)
    ).json()["balance_usd"]
    assert balance == 2
    second = invoke(machine, pid, name, text, **channel_headers(channel, "call-2"))
    assert (second.status_code, second.json()["balance_usd"]) == (200, 0.5)
    short = invoke(machine, pid, name, text, **channel_headers(channel, "call-3"))
    assert short.status_code == 402
    assert "holds $0.50" in short.json()["detail"]
    # Its calls count against the deployment like /rest calls do.
    usage = seller.client.get(
        f"{API}/agents/{agent_id_of(seller, name)}/deployment", headers=seller.headers
    )
    assert usage.json()["calls_this_month"] == 3


def test_discover_finds_an_agent_by_a_word_of_its_description(
    seller: Account, client_at: Any
) -> None:
    name = deployed(seller, description="Translates zanzibarian greetings", public=True)
    hidden = deployed(seller, description="Translates zanzibarian farewells", public=False)
    plan = client_at().post("/ai-market/discover", json={"request": "zanzibarian greetings"})
    assert plan.status_code == 200, plan.text
    steps = [(step["pid"], step["cid"]) for step in plan.json()["steps"]]
    assert steps == [(f"agent-{seller.team_id}", name)]
    assert "zanzibarian" in plan.json()["steps"][0]["why"]
    assert (f"agent-{seller.team_id}", hidden) not in steps


def test_a_pipeline_prices_agents_and_products(seller: Account, client_at: Any) -> None:
    product = seller.client.post(
        f"{API}/jobs/{passed_job(seller.team_id)}/publish",
        headers=seller.headers,
        json={"name": "Pages", "category": "web", "price_usd": 2},
    ).json()["id"]
    name = deployed(seller, public=True, price_usd=0.5)
    bill = client_at().post(
        "/ai-market/pipelines",
        json={
            "steps": [
                {"id": "count", "pid": f"agent-{seller.team_id}", "cid": name},
                {"id": "get", "pid": product, "cid": "download", "depends_on": ["count"]},
            ]
        },
    )
    assert bill.status_code == 200, bill.text
    assert bill.json()["order"] == ["count", "get"]
    assert bill.json()["total_usd"] == 2.5


def test_one_cursor_pages_products_then_agents_each_once(seller: Account, client_at: Any) -> None:
    products = {
        seller.client.post(
            f"{API}/jobs/{passed_job(seller.team_id)}/publish",
            headers=seller.headers,
            json={"name": f"Product {n}", "category": "web", "price_usd": 1},
        ).json()["id"]
        for n in range(3)
    }
    agents = {deployed(seller, public=True) for _ in range(3)}
    client = client_at()

    seen = [t["name"] for page in verified_pages(client, 2) for t in page["tools"]]
    assert len(seen) == len(set(seen))
    names = set(seen)
    assert {f"{p}.download" for p in products} <= names
    assert {f"agent-{seller.team_id}.{a}" for a in agents} <= names
    # Products first, then agents.
    kinds = [name.startswith("agent-") for name in seen]
    assert kinds == sorted(kinds)
    assert_error(client.get("/ai-market/manifest", params={"cursor": "bm90LW91cnM"}), 400)


def test_a_new_price_is_in_the_catalog_and_charged_and_only_admins_set_it(
    seller: Account, client_at: Any, new_account: Callable[..., Account]
) -> None:
    name = deployed(seller, public=True)
    agent_id = agent_id_of(seller, name)
    pid = f"agent-{seller.team_id}"
    client = client_at()
    assert invoke(client, pid, name, {"input": {"text": "a b"}}).status_code == 200

    changed = seller.client.patch(
        f"{API}/agents/{agent_id}/deployment", headers=seller.headers, json={"price_usd": 0.75}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["price_usd"] == 0.75
    assert tools(client)[f"{pid}.{name}"]["price_usd"] == 0.75
    plan = client.post("/ai-market/discover", json={"request": name}).json()
    assert [s["price_usd"] for s in plan["steps"] if s["cid"] == name] == [0.75]
    unpaid = invoke(client, pid, name, {"input": {"text": "a b"}})
    assert (unpaid.status_code, unpaid.json()["payment"]["amount_usd"]) == (402, 0.75)

    for price in (-1, 0.001, "1", 10_001):
        assert_error(
            seller.client.patch(
                f"{API}/agents/{agent_id}/deployment",
                headers=seller.headers,
                json={"price_usd": price},
            ),
            422,
        )
    member = new_account(invited_by=seller, role="member")
    assert_error(
        member.client.patch(
            f"{API}/agents/{agent_id}/deployment", headers=member.headers, json={"price_usd": 0}
        ),
        403,
    )
    other = new_account()
    assert_error(
        other.client.patch(
            f"{API}/agents/{agent_id}/deployment", headers=other.headers, json={"price_usd": 0}
        ),
        404,
    )


def test_a_price_on_deploy_is_checked(seller: Account) -> None:
    agent = seller.client.post(
        f"{API}/agents",
        headers=seller.headers,
        json={"name": "W", "code": WORDS, "inputSchema": INPUT, "outputSchema": OUTPUT},
    ).json()
    for price in (-0.5, 0.123, True, "2"):
        answer = seller.client.post(
            f"{API}/agents/{agent['id']}/deploy",
            headers=seller.headers,
            json={"public": True, "price_usd": price},
        )
        assert_error(answer, 422)

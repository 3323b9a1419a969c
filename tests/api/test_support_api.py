"""Support chat end to end through the local gateway and pump: a visitor opens a session on
a listed product and gets its token, asks, and the product's support agent answers through
the seller's router (the built-in template generator here); the token is required, the
per-address limits hold, a person of the seller's team takes an escalated session over;
another team sees none of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.chat import store as chat
from tests.factories import Account, assert_error, passed_job

SUPPORT = "/api/v1/support/sessions"
QUEUE = "/api/v1/admin/support-queue"


def publish(seller: Account, **body: Any) -> str:
    job = passed_job(seller.team_id)
    answer = seller.client.post(
        f"/api/v1/jobs/{job}/publish",
        headers=seller.headers,
        json={"name": "Pet Sitter Pages", "category": "web", **body},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


@pytest.fixture
def seller(new_account: Callable[..., Account]) -> Account:
    return new_account()


@pytest.fixture
def product(seller: Account) -> str:
    return publish(seller)


def open_session(client: Any, product_id: str, **body: Any) -> dict[str, Any]:
    answer = client.post(SUPPORT, json={"product_id": product_id, **body})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def token(session: dict[str, Any]) -> dict[str, str]:
    return {"X-AIF-Support-Token": session["token"]}


def test_a_visitor_asks_and_the_support_agent_answers_for_the_seller(
    seller: Account, product: str, client_at: Any, pump: Any
) -> None:
    visitor = client_at()
    session = open_session(visitor, product, email="bea@example.com")
    assert session["status"] == "open"
    assert session["product_name"] == "Pet Sitter Pages"

    sent = visitor.post(
        f"{SUPPORT}/{session['id']}/messages",
        headers=token(session),
        json={"content": "Does it work on phones?"},
    )
    assert sent.status_code == 202, sent.text
    reply_id = sent.json()["reply_id"]
    assert sent.json()["status"] == "pending"
    assert sent.json()["message"]["author"] == "customer"
    pump.drain()

    reply = visitor.get(f"{SUPPORT}/{session['id']}/replies/{reply_id}", headers=token(session))
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "completed"
    assert reply.json()["content"]
    listed = visitor.get(f"{SUPPORT}/{session['id']}/messages", headers=token(session)).json()
    assert [(m["author"], m["content"]) for m in listed["items"]] == [
        ("customer", "Does it work on phones?"),
        ("agent", reply.json()["content"]),
    ]
    # The seller's call: a ticket of the seller's team, told about the product, whose
    # conversation no member of the team sees among their own.
    ticket = chat.get_ticket(seller.team_id, reply_id)
    assert ticket is not None
    assert ticket.messages[0].role == "system"
    assert "Pet Sitter Pages" in ticket.messages[0].content
    mine = seller.client.get("/api/v1/chat/conversations", headers=seller.headers).json()
    assert mine["items"] == []


def test_every_call_of_a_session_needs_its_own_token(product: str, client_at: Any) -> None:
    visitor = client_at()
    session = open_session(visitor, product)
    other = open_session(visitor, product)
    url = f"{SUPPORT}/{session['id']}"

    assert_error(visitor.get(url), 401)
    assert_error(visitor.get(url, headers={"X-AIF-Support-Token": "guessed"}), 401)
    assert_error(visitor.get(url, headers=token(other)), 401)
    assert_error(visitor.post(f"{url}/messages", json={"content": "hi"}), 401)
    assert_error(visitor.get(f"{url}/messages"), 401)
    assert_error(visitor.post(f"{url}/escalate"), 401)
    assert visitor.get(url, headers=token(session)).status_code == 200
    # An unknown session is 404 whatever token comes with it; so is a draft product's.
    assert_error(visitor.get(f"{SUPPORT}/01JF3ZA1B2C3D4E5F6G7H8J9K0", headers=token(session)), 404)


def test_a_product_not_listed_has_no_support(seller: Account, client_at: Any) -> None:
    from shared.products.service import create_draft

    draft = create_draft(
        seller.team_id, job_id=None, name="Soon", category="x", description="d", actor="a"
    )
    assert_error(client_at().post(SUPPORT, json={"product_id": draft.id}), 404)
    assert_error(client_at().post(SUPPORT, json={"product_id": "nope"}), 404)


def test_the_per_address_limits_answer_429(product: str, client_at: Any) -> None:
    visitor = client_at()
    opened = [visitor.post(SUPPORT, json={"product_id": product}) for _ in range(11)]
    assert [a.status_code for a in opened] == [201] * 10 + [429]
    assert "Retry-After" in opened[-1].headers

    talker = client_at()
    session = open_session(talker, product)
    url = f"{SUPPORT}/{session['id']}/messages"
    sent = [talker.post(url, headers=token(session), json={"content": "hi"}) for _ in range(21)]
    assert [a.status_code for a in sent] == [202] * 20 + [429]
    # The refused one stored nothing.
    listed = talker.get(f"{url}?limit=100", headers=token(session)).json()
    assert listed["total"] == 20


def test_bad_messages_are_422_and_a_closed_session_takes_none(product: str, client_at: Any) -> None:
    visitor = client_at()
    session = open_session(visitor, product)
    url = f"{SUPPORT}/{session['id']}"
    assert_error(visitor.post(f"{url}/messages", headers=token(session), json={}), 422)
    too_long = {"content": "x" * 4001}
    assert_error(visitor.post(f"{url}/messages", headers=token(session), json=too_long), 422)

    closed = visitor.post(f"{url}/close", headers=token(session))
    assert closed.json()["status"] == "closed"
    later = visitor.post(f"{url}/messages", headers=token(session), json={"content": "hi"})
    assert_error(later, 409)
    assert_error(visitor.post(f"{url}/escalate", headers=token(session)), 409)


def test_an_escalated_session_reaches_the_sellers_queue_and_a_person_answers(
    seller: Account, product: str, client_at: Any, new_account: Callable[..., Account]
) -> None:
    visitor = client_at()
    session = open_session(visitor, product, email="bea@example.com")
    quiet = open_session(visitor, product)
    escalated = visitor.post(
        f"{SUPPORT}/{session['id']}/escalate",
        headers=token(session),
        json={"reason": "I was charged twice"},
    )
    assert escalated.status_code == 200, escalated.text
    assert escalated.json()["status"] == "escalated"

    waiting = seller.client.get(QUEUE, headers=seller.headers).json()
    assert [s["id"] for s in waiting["items"]] == [session["id"]]
    assert waiting["items"][0]["email"] == "bea@example.com"
    assert waiting["items"][0]["escalation_reason"] == "I was charged twice"
    still_open = seller.client.get(f"{QUEUE}?status=open", headers=seller.headers).json()
    assert [s["id"] for s in still_open["items"]] == [quiet["id"]]

    answered = seller.client.post(
        f"{QUEUE}/{session['id']}/reply",
        headers=seller.headers,
        json={"content": "Refunded the second charge."},
    )
    assert answered.status_code == 201, answered.text
    assert answered.json()["author"] == "staff"
    seen = visitor.get(f"{SUPPORT}/{session['id']}/messages", headers=token(session)).json()
    assert [(m["author"], m["content"]) for m in seen["items"]] == [
        ("staff", "Refunded the second charge.")
    ]

    # Another team's admins see nothing of it.
    other = new_account()
    assert other.client.get(QUEUE, headers=other.headers).json()["items"] == []
    assert_error(other.client.get(f"{QUEUE}/{session['id']}", headers=other.headers), 404)
    assert_error(
        other.client.post(
            f"{QUEUE}/{session['id']}/reply", headers=other.headers, json={"content": "x"}
        ),
        404,
    )
    # A member who is not an admin neither.
    member = new_account(invited_by=seller, role="member")
    assert_error(member.client.get(QUEUE, headers=member.headers), 403)

    closed = seller.client.post(f"{QUEUE}/{session['id']}/close", headers=seller.headers)
    assert closed.json()["status"] == "closed"
    assert seller.client.get(QUEUE, headers=seller.headers).json()["items"] == []
    assert_error(
        seller.client.post(
            f"{QUEUE}/{session['id']}/reply", headers=seller.headers, json={"content": "x"}
        ),
        409,
    )


def test_the_products_support_agent_answers_with_its_instructions(
    seller: Account, product: str, client_at: Any, pump: Any
) -> None:
    from shared.products.domain import ProductChanges
    from shared.products.service import update_product

    agent = seller.client.post(
        "/api/v1/agents",
        headers=seller.headers,
        json={
            "name": "Helpdesk",
            "role": "support",
            "llm_provider": "templates",
            "llm_model": "templates-1",
            "system_prompt": "You answer for Pet Sitter Pages. Be kind.",
        },
    )
    assert agent.status_code == 201, agent.text
    update_product(
        seller.team_id, product, ProductChanges(support_agent_id=agent.json()["id"]), actor="a"
    )
    visitor = client_at()
    session = open_session(visitor, product)
    sent = visitor.post(
        f"{SUPPORT}/{session['id']}/messages", headers=token(session), json={"content": "hi"}
    )
    pump.drain()

    ticket = chat.get_ticket(seller.team_id, sent.json()["reply_id"])
    assert ticket is not None
    assert ticket.status == "completed"
    assert ticket.messages[0].content.startswith("You answer for Pet Sitter Pages. Be kind.")


def test_a_failed_answer_ends_the_reply_failed_with_the_reason(
    product: str, client_at: Any, pump: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.errors import BudgetExceeded
    from shared.llm.router import Router

    def spent(self: Router, *args: Any) -> Any:
        raise BudgetExceeded("Team daily budget", 5.0, 5.0)

    monkeypatch.setattr(Router, "complete", spent)
    visitor = client_at()
    session = open_session(visitor, product)
    sent = visitor.post(
        f"{SUPPORT}/{session['id']}/messages", headers=token(session), json={"content": "hi"}
    )
    pump.drain()

    reply = visitor.get(
        f"{SUPPORT}/{session['id']}/replies/{sent.json()['reply_id']}", headers=token(session)
    ).json()
    assert reply["status"] == "failed"
    assert "budget" in reply["error"]

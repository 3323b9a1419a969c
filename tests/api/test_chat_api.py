"""/chat and /sessions end to end: a ticket made, answered by chat_runner through the
local pump (the router and the built-in template generator), read back by its own user
only; session configurations; conversations whose replies come through the same
consumer; a failing provider, a consumer failing every receive; every bad input."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from shared.aws import client
from shared.llm.types import Completion, CompletionRequest, Pricing, ProviderError
from shared.settings import get_settings
from tests.factories import Account, assert_error

CHAT = "/api/v1/chat"
CONVERSATIONS = "/api/v1/chat/conversations"
SESSIONS = "/api/v1/sessions"
HELLO = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture
def member(new_account: Callable[..., Account]) -> Account:
    return new_account()


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


def ask(account: Account, **body: Any) -> Any:
    return account.client.post(
        CHAT, headers=account.headers, json={"messages": HELLO, "provider": "templates", **body}
    )


def ticket_of(account: Account, ticket_id: str) -> dict[str, Any]:
    answer = account.client.get(f"{CHAT}/{ticket_id}", headers=account.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def stored_tickets(team_id: str) -> list[dict[str, Any]]:
    answer = client("dynamodb").query(
        TableName=get_settings().table_name("work"),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
        ExpressionAttributeValues={":pk": {"S": f"TEAM#{team_id}"}, ":sk": {"S": "CHATTICKET#"}},
    )
    return list(answer["Items"])


class Failing:
    """A provider that is down: every call fails as unavailable."""

    name = kind = "templates"

    def complete(self, request: CompletionRequest) -> Completion:
        raise ProviderError("503 from upstream", kind="unavailable", provider="templates")

    def pricing(self, model: str) -> Pricing:
        return Pricing()


def test_a_ticket_is_pending_then_answered_by_the_consumer_through_the_router(
    member: Account, pump: Any, published: list[tuple[str, dict[str, Any]]]
) -> None:
    answer = ask(member)
    assert answer.status_code == 202, answer.text
    created = answer.json()
    assert created["status"] == "pending"
    assert ticket_of(member, created["ticket_id"])["status"] == "pending"

    pump.drain()

    ticket = ticket_of(member, created["ticket_id"])
    assert ticket["status"] == "completed"
    assert ticket["error"] is None
    assert "received your message of 6 word(s)" in ticket["result"]
    assert (ticket["provider"], ticket["model"]) == ("templates", "templates-1")
    # The template generator counts no tokens and costs nothing.
    assert ticket["tokens"] is None
    assert ticket["cost_usd"] == 0
    [(kind, data)] = [(k, d) for k, d in published if k.startswith("chat.")]
    assert kind == "chat.completed"
    assert data["ticket_id"] == created["ticket_id"]
    assert data["private_to"] == member.user_id
    assert data["result"] == ticket["result"]

    # A redelivered message changes nothing: the ticket is settled.
    from shared.chat.runner import run_ticket

    again = run_ticket(member.team_id, created["ticket_id"])
    assert again is not None
    assert again.completed_at is not None
    assert ticket_of(member, created["ticket_id"])["completed_at"] == ticket["completed_at"]
    assert len([k for k, _ in published if k.startswith("chat.")]) == 1


def test_a_ticket_of_another_user_is_not_found(
    member: Account, new_account: Callable[..., Account]
) -> None:
    ticket_id = ask(member).json()["ticket_id"]
    teammate = new_account(invited_by=member, role="member")
    stranger = new_account()
    for other in (teammate, stranger):
        assert_error(other.client.get(f"{CHAT}/{ticket_id}", headers=other.headers), 404)
    assert_error(
        member.client.get(f"{CHAT}/01JF3ZF1G2H3J4K5M6N7P8Q9R0", headers=member.headers), 404
    )
    assert_error(member.client.get(f"{CHAT}/not-an-id!", headers=member.headers), 404)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"provider": "nobody"}, "provider 'nobody'"),
        ({"provider": "templates", "model": "gpt-nothing"}, "model 'gpt-nothing'"),
    ],
)
def test_an_unknown_provider_or_model_is_refused_before_a_ticket_is_made(
    member: Account, body: dict[str, Any], named: str
) -> None:
    answer = ask(member, **body)
    assert_error(answer, 422)
    assert named in answer.json()["detail"]
    assert stored_tickets(member.team_id) == []


def test_without_a_provider_the_session_then_the_team_default_then_templates_answer(
    member: Account,
) -> None:
    # Neither named nor configured: the built-in template generator, as a new team's agents.
    answer = member.client.post(CHAT, headers=member.headers, json={"messages": HELLO})
    assert answer.status_code == 202, answer.text
    ticket = ticket_of(member, answer.json()["ticket_id"])
    assert (ticket["provider"], ticket["model"]) == ("templates", "templates-1")

    # The account registered its team, so it is the admin who adds a provider and makes
    # it the team's default.
    added = member.client.post(
        "/api/v1/providers",
        headers=member.headers,
        json={"name": "acme", "kind": "openai", "api_key": "sk-test", "default_model": "gpt-4o"},
    )
    assert added.status_code == 201, added.text
    settings = member.client.post(
        "/api/v1/settings", headers=member.headers, json={"default_provider": "acme"}
    )
    assert settings.status_code == 200, settings.text
    answer = member.client.post(CHAT, headers=member.headers, json={"messages": HELLO})
    assert answer.status_code == 202, answer.text
    ticket = ticket_of(member, answer.json()["ticket_id"])
    assert (ticket["provider"], ticket["model"], ticket["session_id"]) == ("acme", "gpt-4o", None)

    # A session's configuration comes before the team's default.
    configured = member.client.post(
        f"{SESSIONS}/desk-1/config",
        headers=member.headers,
        json={"provider": "templates", "parameters": {"temperature": 0.1}},
    )
    assert configured.status_code == 200, configured.text
    assert configured.json()["model"] == "templates-1"
    answer = member.client.post(
        CHAT,
        headers=member.headers,
        json={"messages": HELLO, "session_id": "desk-1", "parameters": {"max_tokens": 50}},
    )
    assert answer.status_code == 202, answer.text
    ticket = ticket_of(member, answer.json()["ticket_id"])
    assert (ticket["provider"], ticket["model"], ticket["session_id"]) == (
        "templates",
        "templates-1",
        "desk-1",
    )


def test_session_configuration_is_the_callers_own(
    member: Account, new_account: Callable[..., Account]
) -> None:
    url = f"{SESSIONS}/s-42/config"
    saved = member.client.post(
        url, headers=member.headers, json={"provider": "templates", "model": "templates-1"}
    )
    assert saved.status_code == 200, saved.text
    read = member.client.get(url, headers=member.headers).json()
    assert (read["session_id"], read["provider"], read["model"]) == (
        "s-42",
        "templates",
        "templates-1",
    )
    assert read["parameters"] == {}

    teammate = new_account(invited_by=member, role="member")
    assert_error(teammate.client.get(url, headers=teammate.headers), 404)
    assert_error(teammate.client.delete(f"{SESSIONS}/s-42", headers=teammate.headers), 404)

    # Replaced, not added to.
    member.client.post(
        url,
        headers=member.headers,
        json={"provider": "templates", "parameters": {"temperature": 1}},
    )
    assert member.client.get(url, headers=member.headers).json()["parameters"] == {"temperature": 1}

    deleted = member.client.delete(f"{SESSIONS}/s-42", headers=member.headers)
    assert deleted.status_code == 200
    assert deleted.json() == {"message": "Session deleted"}
    assert_error(member.client.get(url, headers=member.headers), 404)
    assert_error(member.client.delete(f"{SESSIONS}/s-42", headers=member.headers), 404)

    for body in ({"provider": "nobody"}, {"provider": "templates", "model": "nope"}):
        assert_error(member.client.post(url, headers=member.headers, json=body), 422)


@pytest.mark.parametrize(
    "body",
    [
        {"messages": []},
        {"messages": [{"role": "robot", "content": "hi"}]},
        {"messages": [{"role": "user", "content": ""}]},
        {"messages": [{"role": "user", "content": "x" * 32_001}]},
        {"messages": [{"role": "user", "content": "x" * 30_000}] * 4},
        {"messages": HELLO, "parameters": {"temperature": "0.5"}},
        {"messages": HELLO, "parameters": {"temperature": 3}},
        {"messages": HELLO, "parameters": {"max_tokens": True}},
        {"messages": HELLO, "parameters": {"top_k": 5}},
        {"messages": HELLO, "session_id": "has space"},
        {"messages": HELLO, "provider": "a:b"},
        {"messages": HELLO, "extra": 1},
    ],
)
def test_a_malformed_chat_is_refused(member: Account, body: dict[str, Any]) -> None:
    answer = member.client.post(
        CHAT, headers=member.headers, json={"provider": "templates", **body}
    )
    assert_error(answer, 422)
    assert stored_tickets(member.team_id) == []


def test_a_failing_provider_ends_the_ticket_failed_with_the_reason(
    member: Account,
    pump: Any,
    monkeypatch: pytest.MonkeyPatch,
    published: list[tuple[str, dict[str, Any]]],
) -> None:
    from shared.llm import team_router

    monkeypatch.setattr(team_router, "client_for", lambda *args: Failing())
    ticket_id = ask(member).json()["ticket_id"]
    pump.drain()

    ticket = ticket_of(member, ticket_id)
    assert ticket["status"] == "failed"
    assert ticket["result"] is None
    assert "503 from upstream" in ticket["error"]
    assert [k for k, _ in published if k.startswith("chat.")] == ["chat.failed"]


def test_a_consumer_failing_every_receive_fails_the_ticket_and_dead_letters_the_message(
    member: Account,
    pump: Any,
    clock: time_machine.Traveller,
    monkeypatch: pytest.MonkeyPatch,
    token_for: Callable[..., dict[str, str]],
) -> None:
    from shared.chat import runner
    from shared.queues import QUEUES_BY_KEY

    def broken(ticket: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(runner, "_answer", broken)
    ticket_id = ask(member).json()["ticket_id"]
    spec = QUEUES_BY_KEY["chat-tickets"]
    for receive in range(spec.max_receive_count + 1):
        pump.drain()
        if receive < spec.max_receive_count - 1:
            # Received again only after its visibility timeout: still pending meanwhile.
            assert ticket_of(member, ticket_id)["status"] == "pending"
        clock.shift(timedelta(seconds=spec.visibility_timeout_seconds + 1))

    ticket = ticket_of(member, ticket_id)
    assert ticket["status"] == "failed"
    assert ticket["error"] == "the chat service failed answering it (RuntimeError)"
    admin = token_for(member.team_id)
    items = member.client.get(
        "/api/v1/dead-letter", headers=admin, params={"source": "chat-tickets"}
    ).json()["items"]
    assert [item["payload"] for item in items] == [
        {"team_id": member.team_id, "ticket_id": ticket_id}
    ]


def test_a_conversation_gets_its_replies_through_the_ticket_consumer(
    member: Account, pump: Any, new_account: Callable[..., Account]
) -> None:
    created = member.client.post(
        CONVERSATIONS, headers=member.headers, json={"title": "Geography", "provider": "templates"}
    )
    assert created.status_code == 201, created.text
    conversation = created.json()
    assert (conversation["title"], conversation["message_count"]) == ("Geography", 0)
    url = f"{CONVERSATIONS}/{conversation['id']}/messages"

    sent = member.client.post(url, headers=member.headers, json={"content": "Capital of Peru?"})
    assert sent.status_code == 202, sent.text
    body = sent.json()
    assert body["status"] == "pending"
    assert (body["message"]["role"], body["message"]["content"]) == ("user", "Capital of Peru?")
    assert body["message"]["ticket_id"] == body["ticket_id"]
    pump.drain()
    second = member.client.post(url, headers=member.headers, json={"content": "And of Chile?"})
    pump.drain()

    messages = member.client.get(url, headers=member.headers).json()
    assert messages["total"] == 4
    assert [(m["role"], m["ticket_id"]) for m in messages["items"]] == [
        ("user", body["ticket_id"]),
        ("assistant", body["ticket_id"]),
        ("user", second.json()["ticket_id"]),
        ("assistant", second.json()["ticket_id"]),
    ]
    reply = ticket_of(member, body["ticket_id"])["result"]
    assert messages["items"][1]["content"] == reply
    # The second question was sent with the conversation so far.
    from shared.chat import store

    ticket = store.get_ticket(member.team_id, second.json()["ticket_id"])
    assert ticket is not None
    assert [m.content for m in ticket.messages] == [
        "Capital of Peru?",
        reply,
        "And of Chile?",
    ]
    page = member.client.get(url, headers=member.headers, params={"limit": 3}).json()
    rest = member.client.get(
        url, headers=member.headers, params={"limit": 3, "cursor": page["next_cursor"]}
    ).json()
    assert [m["id"] for m in page["items"] + rest["items"]] == [m["id"] for m in messages["items"]]

    listed = member.client.get(CONVERSATIONS, headers=member.headers).json()
    assert [(c["id"], c["message_count"]) for c in listed["items"]] == [(conversation["id"], 4)]

    teammate = new_account(invited_by=member, role="member")
    assert teammate.client.get(CONVERSATIONS, headers=teammate.headers).json()["items"] == []
    for answer in (
        teammate.client.get(url, headers=teammate.headers),
        teammate.client.post(url, headers=teammate.headers, json={"content": "hi"}),
        teammate.client.delete(f"{CONVERSATIONS}/{conversation['id']}", headers=teammate.headers),
    ):
        assert_error(answer, 404)

    deleted = member.client.delete(f"{CONVERSATIONS}/{conversation['id']}", headers=member.headers)
    assert deleted.status_code == 204
    assert_error(member.client.get(url, headers=member.headers), 404)
    assert member.client.get(CONVERSATIONS, headers=member.headers).json()["items"] == []
    leftover = client("dynamodb").query(
        TableName=get_settings().table_name("work"),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
        ExpressionAttributeValues={
            ":pk": {"S": f"TEAM#{member.team_id}"},
            ":sk": {"S": f"CONVMSG#{conversation['id']}#"},
        },
    )
    assert leftover["Items"] == []


def test_a_reply_to_a_conversation_deleted_meanwhile_still_completes_its_ticket(
    member: Account, pump: Any
) -> None:
    conversation = member.client.post(
        CONVERSATIONS, headers=member.headers, json={"provider": "templates"}
    ).json()
    assert conversation["title"] == "New conversation"
    url = f"{CONVERSATIONS}/{conversation['id']}"
    ticket_id = member.client.post(
        f"{url}/messages", headers=member.headers, json={"content": "hello"}
    ).json()["ticket_id"]
    assert member.client.delete(url, headers=member.headers).status_code == 204
    pump.drain()
    assert ticket_of(member, ticket_id)["status"] == "completed"
    assert_error(member.client.get(f"{url}/messages", headers=member.headers), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"model": "templates-1"},  # a model needs its provider
        {"provider": "nobody"},
        {"provider": "templates", "model": "nope"},
        {"title": ""},
    ],
)
def test_a_bad_conversation_is_refused(member: Account, body: dict[str, Any]) -> None:
    assert_error(member.client.post(CONVERSATIONS, headers=member.headers, json=body), 422)


def test_a_message_is_checked(member: Account) -> None:
    conversation = member.client.post(
        CONVERSATIONS, headers=member.headers, json={"provider": "templates"}
    ).json()
    url = f"{CONVERSATIONS}/{conversation['id']}/messages"
    for body in ({"content": ""}, {"content": "x" * 32_001}, {}, {"content": "hi", "x": 1}):
        assert_error(member.client.post(url, headers=member.headers, json=body), 422)
    assert_error(
        member.client.post(
            f"{CONVERSATIONS}/01JF3ZF1G2H3J4K5M6N7P8Q9R0/messages",
            headers=member.headers,
            json={"content": "hi"},
        ),
        404,
    )


def test_a_spent_budget_ends_the_ticket_failed_with_the_limit(
    member: Account, pump: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.errors import BudgetExceeded
    from shared.llm.router import Router

    def spent(self: Router, *args: Any) -> Any:
        raise BudgetExceeded("Team daily budget", 5.0, 5.0)

    monkeypatch.setattr(Router, "complete", spent)
    ticket_id = ask(member).json()["ticket_id"]
    pump.drain()

    ticket = ticket_of(member, ticket_id)
    assert ticket["status"] == "failed"
    assert ticket["error"] == "Team daily budget is exhausted: $5.00 spent of $5.00"


def test_a_disabled_provider_is_refused_and_an_enabled_one_of_the_team_is_used(
    member: Account,
) -> None:
    made = member.client.post(
        "/api/v1/providers", headers=member.headers, json={"name": "mine", "kind": "templates"}
    )
    assert made.status_code == 201, made.text
    answer = ask(member, provider="mine")
    assert answer.status_code == 202, answer.text
    ticket = ticket_of(member, answer.json()["ticket_id"])
    assert (ticket["provider"], ticket["model"]) == ("mine", "templates-1")

    member.client.patch(
        "/api/v1/providers/mine", headers=member.headers, json={"enabled": False}
    ).raise_for_status()
    refused = ask(member, provider="mine")
    assert_error(refused, 409)
    assert "disabled" in refused.json()["detail"]


def test_a_full_conversation_refuses_more_messages(
    member: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.chat import store

    monkeypatch.setattr(store, "MAX_CONVERSATION_MESSAGES", 2)
    conversation = member.client.post(
        CONVERSATIONS, headers=member.headers, json={"provider": "templates"}
    ).json()
    url = f"{CONVERSATIONS}/{conversation['id']}/messages"
    for n in range(2):
        sent = member.client.post(url, headers=member.headers, json={"content": f"m{n}"})
        assert sent.status_code == 202, sent.text
    full = member.client.post(url, headers=member.headers, json={"content": "one more"})
    assert_error(full, 409)
    assert "start a new one" in full.json()["detail"]
    # Nothing of the refused message was kept: neither it nor a ticket.
    assert member.client.get(url, headers=member.headers).json()["total"] == 2
    assert len(stored_tickets(member.team_id)) == 2


def test_a_ticket_is_gone_once_it_expires(member: Account) -> None:
    ticket_id = ask(member).json()["ticket_id"]
    with time_machine.travel(datetime.now(UTC) + timedelta(days=7, minutes=1), tick=False):
        gone = member.client.get(f"{CHAT}/{ticket_id}", headers=member.headers)
        assert_error(gone, 404)
        assert gone.json()["detail"] == f"ticket {ticket_id} not found"
    assert ticket_of(member, ticket_id)["status"] == "pending"

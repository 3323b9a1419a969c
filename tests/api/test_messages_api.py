"""/messages end to end (seed 003 Messages): send between the team's agents, list by
recipient, channel or both (newest first, paginated by cursor), mark read; message.new;
every bad input (another team's agent or message 404, validation 422)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import Account, assert_error, make_agent

MESSAGES = "/api/v1/messages"
UNKNOWN = "01JF3ZK1M2N3P4Q5R6S7T8V9W0"


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


def send(account: Account, **body: Any) -> Any:
    return account.client.post(f"{MESSAGES}/send", headers=account.headers, json=body)


def listed(account: Account, **params: Any) -> dict[str, Any]:
    answer = account.client.get(MESSAGES, headers=account.headers, params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_messages_are_listed_by_recipient_and_channel_and_marked_read(
    admin: Account, published: list[tuple[str, dict[str, Any]]]
) -> None:
    alice, bob = make_agent(admin, "Alice"), make_agent(admin, "Bob")
    first = send(
        admin,
        sender_agent_id=alice,
        recipient_agent_id=bob,
        channel="ops",
        subject="Hi",
        body="one",
    )
    assert first.status_code == 201, first.text
    assert (first.json()["channel"], first.json()["read_at"]) == ("ops", None)
    second = send(admin, sender_agent_id=bob, recipient_agent_id=alice, body="two").json()
    third = send(admin, sender_agent_id=alice, recipient_agent_id=bob, body="three").json()

    assert [m["body"] for m in listed(admin, agent_id=bob)["items"]] == ["three", "one"]
    assert [m["body"] for m in listed(admin, channel="general")["items"]] == ["three", "two"]
    assert [m["body"] for m in listed(admin, agent_id=bob, channel="ops")["items"]] == ["one"]
    everything = listed(admin, limit=2)
    assert [m["body"] for m in everything["items"]] == ["three", "two"]
    rest = listed(admin, limit=2, cursor=everything["next_cursor"])
    assert [m["body"] for m in rest["items"]] == ["one"]
    assert second["channel"] == "general"

    read = admin.client.patch(f"{MESSAGES}/{third['id']}/read", headers=admin.headers)
    assert read.status_code == 200, read.text
    read_at = read.json()["read_at"]
    assert read_at is not None
    # Every list shows the mark; a second mark keeps the first.
    assert listed(admin, agent_id=bob)["items"][0]["read_at"] == read_at
    assert listed(admin, channel="general")["items"][0]["read_at"] == read_at
    again = admin.client.patch(f"{MESSAGES}/{third['id']}/read", headers=admin.headers)
    assert again.json()["read_at"] == read_at

    news = [d for k, d in published if k == "message.new"]
    assert [d["message_id"] for d in news] == [first.json()["id"], second["id"], third["id"]]


def test_another_teams_agent_or_message_is_404(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    alice, bob = make_agent(admin, "Alice"), make_agent(admin, "Bob")
    stranger = new_account()
    theirs = make_agent(stranger, "Eve")
    assert_error(send(admin, sender_agent_id=alice, recipient_agent_id=theirs, body="x"), 404)
    assert_error(send(stranger, sender_agent_id=theirs, recipient_agent_id=bob, body="x"), 404)
    assert_error(send(admin, sender_agent_id=UNKNOWN, recipient_agent_id=bob, body="x"), 404)
    message = send(admin, sender_agent_id=alice, recipient_agent_id=bob, body="x").json()
    assert_error(
        stranger.client.patch(f"{MESSAGES}/{message['id']}/read", headers=stranger.headers), 404
    )
    assert listed(stranger)["items"] == []
    assert listed(stranger, agent_id=bob)["items"] == []


def test_bad_messages_are_422(admin: Account) -> None:
    alice, bob = make_agent(admin, "Alice"), make_agent(admin, "Bob")
    for body in (
        {"sender_agent_id": alice, "recipient_agent_id": bob, "body": ""},
        {"sender_agent_id": alice, "recipient_agent_id": bob, "body": "x", "channel": "a#b"},
        {"sender_agent_id": "nope", "recipient_agent_id": bob, "body": "x"},
        {"sender_agent_id": alice, "recipient_agent_id": bob, "body": "x", "extra": 1},
    ):
        assert_error(send(admin, **body), 422)
    bad = admin.client.get(MESSAGES, headers=admin.headers, params={"channel": "a#b"})
    assert_error(bad, 422)

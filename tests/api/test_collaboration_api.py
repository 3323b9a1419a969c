"""/collaboration end to end (seed 003 Collaboration): open a session between the team's
agents, post participants' messages, page through them with the cursor, merge the shared
context, list by status, close; collaboration.message and collaboration.closed; every bad
input (another team's session or agent 404, a closed session or a non-participant 409,
a context over its cap 413, validation 422)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.collaboration import store
from shared.collaboration.domain import MAX_CONTEXT_BYTES, SessionMessage
from tests.factories import Account, assert_error, make_agent

COLLABORATION = "/api/v1/collaboration"
UNKNOWN = "01JF3ZK1M2N3P4Q5R6S7T8V9W0"


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


def create(account: Account, **body: Any) -> Any:
    return account.client.post(COLLABORATION, headers=account.headers, json=body)


def opened(account: Account, participants: list[str], **body: Any) -> dict[str, Any]:
    answer = create(account, name=body.pop("name", "Design"), participants=participants, **body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def post(account: Account, session_id: str, **body: Any) -> Any:
    return account.client.post(
        f"{COLLABORATION}/{session_id}/messages", headers=account.headers, json=body
    )


def context(account: Account, session_id: str, changes: Any) -> Any:
    return account.client.post(
        f"{COLLABORATION}/{session_id}/context", headers=account.headers, json=changes
    )


def close(account: Account, session_id: str) -> Any:
    return account.client.post(f"{COLLABORATION}/{session_id}/close", headers=account.headers)


def get(account: Account, path: str = "", **params: Any) -> Any:
    return account.client.get(f"{COLLABORATION}{path}", headers=account.headers, params=params)


def listed(account: Account, **params: Any) -> dict[str, Any]:
    answer = get(account, **params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_session_holds_participants_messages_and_context_until_closed(
    admin: Account, published: list[tuple[str, dict[str, Any]]]
) -> None:
    alice, bob = make_agent(admin, "Alice"), make_agent(admin, "Bob")
    session = opened(
        admin,
        [alice, bob, alice],
        name="API review",
        description="Agree on the endpoints",
        initial_context={"goal": "v1", "drop": None},
    )
    assert session["participants"] == [alice, bob]  # each once, in the order given
    assert (session["status"], session["context"], session["message_count"]) == (
        "active",
        {"goal": "v1"},
        0,
    )
    assert (session["closed_at"], session["created_by"]) == (None, admin.user_id)

    first = post(
        admin, session["id"], agent_id=alice, message="Use cursors", message_type="proposal"
    )
    assert first.status_code == 201, first.text
    assert (first.json()["agent_id"], first.json()["message_type"]) == (alice, "proposal")
    second = post(admin, session["id"], agent_id=bob, message="Agreed").json()
    assert second["message_type"] == "text"

    shown = get(admin, f"/{session['id']}")
    assert shown.status_code == 200, shown.text
    detail = shown.json()
    assert (detail["name"], detail["description"]) == ("API review", "Agree on the endpoints")
    assert (detail["participants"], detail["context"]) == ([alice, bob], {"goal": "v1"})
    assert detail["message_count"] == 2
    assert [m["message"] for m in detail["messages"]["items"]] == ["Agreed", "Use cursors"]
    assert detail["messages"]["total"] == 2

    merged = context(admin, session["id"], {"owner": bob, "limits": {"page": 20}, "goal": None})
    assert merged.status_code == 200, merged.text
    assert merged.json()["context"] == {"owner": bob, "limits": {"page": 20}}
    again = context(admin, session["id"], {"limits": [1, 2], "done": False})
    assert again.json()["context"] == {"owner": bob, "limits": [1, 2], "done": False}
    assert get(admin, f"/{session['id']}").json()["context"] == again.json()["context"]

    closed = close(admin, session["id"])
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"] is not None
    assert closed.json()["message_count"] == 2
    # A closed session keeps what it had and takes nothing more.
    assert_error(post(admin, session["id"], agent_id=alice, message="late"), 409)
    assert_error(context(admin, session["id"], {"late": 1}), 409)
    assert_error(close(admin, session["id"]), 409)
    after = get(admin, f"/{session['id']}").json()
    assert (after["status"], after["message_count"]) == ("closed", 2)
    assert after["context"] == again.json()["context"]

    news = [d for k, d in published if k == "collaboration.message"]
    assert [d["message_id"] for d in news] == [first.json()["id"], second["id"]]
    assert news[0] == {
        "team_id": news[0]["team_id"],
        "session_id": session["id"],
        "message_id": first.json()["id"],
        "agent_id": alice,
        "message_type": "proposal",
    }
    ends = [d for k, d in published if k == "collaboration.closed"]
    assert [(d["session_id"], d["message_count"]) for d in ends] == [(session["id"], 2)]


def test_messages_are_paged_newest_first_with_the_cursor(admin: Account) -> None:
    alice = make_agent(admin, "Alice")
    session = opened(admin, [alice])
    for number in range(25):
        assert post(admin, session["id"], agent_id=alice, message=f"m{number}").status_code == 201

    detail = get(admin, f"/{session['id']}").json()
    first_page = detail["messages"]
    assert [m["message"] for m in first_page["items"]] == [f"m{n}" for n in range(24, 4, -1)]
    assert (first_page["total"], first_page["limit"]) == (25, 20)

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 10}
        if cursor is not None:
            params["cursor"] = cursor
        page = get(admin, f"/{session['id']}/messages", **params)
        assert page.status_code == 200, page.text
        seen += [m["message"] for m in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"m{n}" for n in range(24, -1, -1)]

    # A cursor is only good for the list that issued it.
    other = opened(admin, [alice])
    issued = get(admin, f"/{session['id']}/messages", limit=5).json()["next_cursor"]
    assert_error(get(admin, f"/{other['id']}/messages", cursor=issued), 400)
    assert_error(get(admin, cursor=issued), 400)
    assert_error(get(admin, f"/{session['id']}/messages", cursor="not-a-cursor"), 400)


def test_sessions_are_listed_newest_first_by_status(admin: Account) -> None:
    alice = make_agent(admin, "Alice")
    ids = [opened(admin, [alice], name=f"s{n}")["id"] for n in range(4)]
    assert close(admin, ids[1]).status_code == 200
    assert close(admin, ids[2]).status_code == 200

    everything = listed(admin)
    assert [s["id"] for s in everything["items"]] == ids[::-1]
    assert everything["total"] == 4
    assert "context" not in everything["items"][0]
    active = listed(admin, status="active")
    assert ([s["id"] for s in active["items"]], active["total"]) == ([ids[3], ids[0]], 2)
    assert {s["status"] for s in active["items"]} == {"active"}
    closed = listed(admin, status="closed")
    assert ([s["id"] for s in closed["items"]], closed["total"]) == ([ids[2], ids[1]], 2)
    assert all(s["closed_at"] for s in closed["items"])

    first = listed(admin, status="active", limit=1)
    assert [s["id"] for s in first["items"]] == [ids[3]]
    rest = listed(admin, status="active", limit=1, cursor=first["next_cursor"])
    assert [s["id"] for s in rest["items"]] == [ids[0]]
    # The active list's cursor is not the closed list's.
    assert_error(get(admin, status="closed", cursor=first["next_cursor"]), 400)
    assert_error(get(admin, status="archived"), 422)


def test_another_teams_session_or_agent_is_404(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    alice = make_agent(admin, "Alice")
    stranger = new_account()
    theirs = make_agent(stranger, "Eve")
    assert_error(create(admin, name="x", participants=[alice, theirs]), 404)
    assert_error(create(admin, name="x", participants=[UNKNOWN]), 404)

    session = opened(admin, [alice])
    for path in ("", "/messages"):
        assert_error(get(stranger, f"/{session['id']}{path}"), 404)
    assert_error(post(stranger, session["id"], agent_id=theirs, message="hi"), 404)
    assert_error(context(stranger, session["id"], {"k": 1}), 404)
    assert_error(close(stranger, session["id"]), 404)
    assert listed(stranger)["items"] == []
    assert_error(get(admin, f"/{UNKNOWN}"), 404)
    # An agent of another team, or none, cannot post in the team's session.
    assert_error(post(admin, session["id"], agent_id=theirs, message="hi"), 404)
    assert_error(post(admin, session["id"], agent_id=UNKNOWN, message="hi"), 404)
    # Nothing of that reached the session.
    detail = get(admin, f"/{session['id']}").json()
    assert (detail["status"], detail["context"], detail["message_count"]) == ("active", {}, 0)


def test_an_agent_of_the_team_that_is_not_a_participant_is_409(admin: Account) -> None:
    alice, bob = make_agent(admin, "Alice"), make_agent(admin, "Bob")
    session = opened(admin, [alice])
    assert_error(post(admin, session["id"], agent_id=bob, message="may I?"), 409)
    assert get(admin, f"/{session['id']}").json()["message_count"] == 0


def test_a_context_over_its_cap_is_413_and_leaves_it_as_it_was(admin: Account) -> None:
    alice = make_agent(admin, "Alice")
    half = "x" * (MAX_CONTEXT_BYTES // 2)
    assert_error(
        create(admin, name="x", participants=[alice], initial_context={"a": half * 2}), 413
    )

    session = opened(admin, [alice], initial_context={"a": half})
    # Each change fits alone; merged over what is there, the context would not.
    answer = context(admin, session["id"], {"b": half})
    assert_error(answer, 413)
    assert str(MAX_CONTEXT_BYTES) in answer.json()["detail"]
    assert get(admin, f"/{session['id']}").json()["context"] == {"a": half}
    # Removing a key in the same change makes room.
    fits = context(admin, session["id"], {"a": None, "b": half})
    assert fits.status_code == 200, fits.text
    assert fits.json()["context"] == {"b": half}


def test_bad_input_is_422(admin: Account) -> None:
    alice = make_agent(admin, "Alice")
    for body in (
        {"name": "", "participants": [alice]},
        {"name": "x", "participants": []},
        {"name": "x", "participants": ["not-an-id"]},
        {"name": "x", "participants": [alice], "extra": 1},
        {"name": "x", "participants": [alice], "initial_context": {"": 1}},
        {"name": "x", "participants": [alice], "initial_context": []},
    ):
        assert_error(create(admin, **body), 422)
    session = opened(admin, [alice])
    for message in (
        {"agent_id": alice, "message": ""},
        {"agent_id": alice, "message": "x", "message_type": "shout"},
        {"agent_id": "nope", "message": "x"},
        {"agent_id": alice},
    ):
        assert_error(post(admin, session["id"], **message), 422)
    for changes in ({}, [], "text", {"": 1}):
        assert_error(context(admin, session["id"], changes), 422)
    assert_error(get(admin, "/not-an-id"), 422)
    assert get(admin, f"/{session['id']}").json()["message_count"] == 0


def test_a_write_from_a_stale_read_is_refused_not_lost(admin: Account) -> None:
    """The races the conditions guard: a message to a session closed since it was read is
    refused; a context change from an older version is not written over a newer one."""
    alice = make_agent(admin, "Alice")
    session_id = opened(admin, [alice], initial_context={"a": 1})["id"]
    team_id = admin.team_id
    read = store.get_session(team_id, session_id, consistent=True)
    assert read is not None

    assert context(admin, session_id, {"b": 2}).status_code == 200
    assert store.set_context(read, {"stale": True}, datetime.now(UTC)) is None
    assert get(admin, f"/{session_id}").json()["context"] == {"a": 1, "b": 2}

    assert close(admin, session_id).status_code == 200
    late = SessionMessage(
        team_id=team_id,
        session_id=session_id,
        message_id="01JF3ZS1T2V3W4X5Y6Z7A8B9C0",
        agent_id=alice,
        message="late",
        message_type="text",
        created_at=datetime.now(UTC),
    )
    assert store.add_message(read, late) is False
    assert store.close_session(read, datetime.now(UTC)) is None
    detail = get(admin, f"/{session_id}").json()
    assert (detail["message_count"], detail["messages"]["items"]) == (0, [])

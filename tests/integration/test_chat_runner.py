"""Chat tickets through the local runtime: the reply pushed live to its own user's sockets
only (the push is team-wide: `private_to` keeps it to one subject), and the dead-letter
settler that ends a ticket whose message its consumer never settled."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from functions.chat import service
from functions.chat.schemas import ChatRequest
from shared.auth.principal import Principal
from shared.auth.tokens import issue_token
from shared.chat import store
from shared.chat.domain import ChatMessage, Ticket
from shared.dead_letter.settlers import settle
from shared.ids import new_id
from shared.live.domain import Connection
from shared.settings import get_settings
from tools.local.live import LocalLive

TIMEOUT = 5.0
REQUEST = ChatRequest.model_validate(
    {"messages": [{"role": "user", "content": "hello there"}], "provider": "templates"}
)


@pytest.fixture
def live(aws: None) -> Iterator[LocalLive]:
    with LocalLive(get_settings()).running() as served:
        yield served


@contextmanager
def socket_of(live: LocalLive, team_id: str, user_id: str) -> Iterator[ClientConnection]:
    """A socket of `user_id`, subscribed to every event of the team."""
    token = issue_token(Principal(user_id, team_id, "member"), ttl_seconds=900)
    url = f"{live.url}?token={token}"
    with connect(url, open_timeout=TIMEOUT, close_timeout=TIMEOUT) as socket:
        socket.send(json.dumps({"type": "subscribe", "event": "*"}))
        assert json.loads(socket.recv(timeout=TIMEOUT))["type"] == "subscribed"
        yield socket


def next_message(socket: ClientConnection) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(socket.recv(timeout=TIMEOUT))
    return answer


def nothing_pending(socket: ClientConnection) -> bool:
    socket.send(json.dumps({"type": "ping"}))
    return next_message(socket) == {"type": "pong"}


def test_a_reply_reaches_its_users_sockets_and_no_teammates(live: LocalLive, pump: Any) -> None:
    team = f"team-{new_id()}"
    with socket_of(live, team, "user-ada") as own, socket_of(live, team, "user-bob") as other:
        ticket = service.create_ticket(team, "user-ada", REQUEST)
        pump.drain()

        pushed = next_message(own)
        assert pushed["event"] == "chat.completed"
        assert pushed["data"]["ticket_id"] == ticket.ticket_id
        assert "hello there" in pushed["data"]["result"]
        # Bob subscribed to everything of the team, and gets nothing of Ada's chat.
        assert nothing_pending(other)


def test_a_private_event_is_wanted_only_by_its_subjects_connections() -> None:
    from datetime import UTC, datetime

    from shared.live.domain import Subscription

    def connection(subject: str) -> Connection:
        now = datetime.now(UTC)
        return Connection(
            connection_id=subject,
            team_id="t",
            subject=subject,
            role="member",
            connected_at=now,
            expires_at=now,
            subscriptions=(Subscription(event="*"),),
        )

    data = {"team_id": "t", "private_to": "ada"}
    assert connection("ada").wants("chat.completed", data)
    assert not connection("bob").wants("chat.completed", data)
    # Events that name no one are the team's, as before.
    assert connection("bob").wants("job.failed", {"team_id": "t"})


def pending_ticket(team_id: str) -> Ticket:
    return store.create_ticket(
        Ticket(
            team_id=team_id,
            ticket_id=new_id(),
            user_id="user-ada",
            status="pending",
            provider="templates",
            model="templates-1",
            messages=(ChatMessage("user", "hi"),),
        )
    )


def test_the_settler_fails_a_pending_ticket_once_and_leaves_settled_ones(
    aws: None, published: list[tuple[str, dict[str, Any]]]
) -> None:
    team = f"team-{new_id()}"
    ticket = pending_ticket(team)
    payload = {"team_id": team, "ticket_id": ticket.ticket_id}

    settle("chat-tickets-dlq", payload)
    failed = store.get_ticket(team, ticket.ticket_id)
    assert failed is not None
    assert failed.status == "failed"
    assert failed.error is not None
    assert "dead-letter queue" in failed.error
    assert [kind for kind, _ in published] == ["chat.failed"]

    settle("chat-tickets-dlq", payload)  # the archiver's redelivery: nothing more
    assert [kind for kind, _ in published] == ["chat.failed"]

    completed = pending_ticket(team)
    store.complete_ticket(completed, result="done", tokens=None, cost_usd=0.0)
    settle("chat-tickets-dlq", {"team_id": team, "ticket_id": completed.ticket_id})
    after = store.get_ticket(team, completed.ticket_id)
    assert after is not None
    assert (after.status, after.result) == ("completed", "done")

    # Payloads that name no ticket, and other queues' messages, are left alone.
    for odd in ("not json", {"team_id": team}, {"ticket_id": 5}, None):
        settle("chat-tickets-dlq", odd)
    other = pending_ticket(team)
    settle("trigger-fires-dlq", {"team_id": team, "ticket_id": other.ticket_id})
    kept = store.get_ticket(team, other.ticket_id)
    assert kept is not None
    assert kept.status == "pending"

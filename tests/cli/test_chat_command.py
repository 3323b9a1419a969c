"""`factory chat "..."`: what it sends, how it waits for the ticket (polling the fake API;
live over the local runtime's WebSocket, where the answer's event wakes it), what it
prints and its exit code."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from shared.auth.principal import Principal
from shared.auth.tokens import issue_token
from shared.ids import new_id
from shared.settings import get_settings
from tests.cli.fakes import FakeApi, body_of
from tests.cli.test_commands import factory
from tools.cli.chat import wait_for
from tools.cli.client import ApiClient
from tools.cli.live import Socket, connect_websocket
from tools.cli.watch import Polling
from tools.local.gateway import LocalGateway
from tools.local.live import LocalLive

BASE = "http://factory.test"
TIMEOUT = 10.0
NEVER = Polling(interval=3600, max_interval=3600)


def ticket(status: str, **fields: Any) -> dict[str, Any]:
    return {
        "ticket_id": "01TICKET",
        "status": status,
        "result": None,
        "error": None,
        "provider": "templates",
        "model": "templates-1",
        **fields,
    }


def scripted(*answers: dict[str, Any]) -> Any:
    """GET /chat/{id} answers these in turn (the last one again after that)."""
    remaining = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=remaining.pop(0) if len(remaining) > 1 else remaining[0])

    return answer


def test_chat_sends_the_question_polls_the_ticket_and_prints_the_answer() -> None:
    api = FakeApi(
        routes={
            "POST /api/v1/chat": lambda r: httpx.Response(
                202, json={"ticket_id": "01TICKET", "status": "pending"}
            ),
            "GET /api/v1/chat/01TICKET": scripted(
                ticket("pending"), ticket("pending"), ticket("completed", result="Paris.\n")
            ),
        }
    )

    result = factory(
        "chat",
        "Capital of France?",
        "--provider",
        "templates",
        "--system",
        "Be brief.",
        "--temperature",
        "0.2",
        "--session",
        "desk-1",
        api=api,
    )

    assert result.code == 0, result.err
    assert result.out == "Paris.\n"
    (sent,) = api.sent("POST", "/api/v1/chat")
    assert body_of(sent) == {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Capital of France?"},
        ],
        "provider": "templates",
        "session_id": "desk-1",
        "parameters": {"temperature": 0.2},
    }
    assert len(api.sent("GET", "/api/v1/chat/01TICKET")) == 3


def test_a_failed_ticket_exits_1_with_the_reason() -> None:
    api = FakeApi(
        routes={
            "POST /api/v1/chat": lambda r: httpx.Response(
                202, json={"ticket_id": "01TICKET", "status": "pending"}
            ),
            "GET /api/v1/chat/01TICKET": scripted(ticket("failed", error="provider x: down")),
        }
    )

    result = factory("chat", "hello", api=api)

    assert result.code == 1
    assert result.out == ""
    assert "chat failed: provider x: down" in result.err


def test_a_refused_chat_exits_2_with_the_apis_reason() -> None:
    api = FakeApi(
        routes={
            "POST /api/v1/chat": lambda r: httpx.Response(
                422, json={"detail": "provider 'nobody' is not a provider", "request_id": "r"}
            )
        }
    )

    result = factory("chat", "hello", "--provider", "nobody", api=api)

    assert result.code == 2
    assert "provider 'nobody' is not a provider" in result.err
    assert api.sent("GET", "/api/v1/chat/01TICKET") == []


@pytest.fixture
def gateway(aws: None) -> Iterator[httpx.MockTransport]:
    with TestClient(LocalGateway(), base_url=BASE) as http:

        def forward(request: httpx.Request) -> httpx.Response:
            answer = http.request(
                request.method, str(request.url), headers=request.headers, content=request.content
            )
            return httpx.Response(
                answer.status_code, headers=answer.headers, content=answer.content
            )

        yield httpx.MockTransport(forward)


def test_chat_waits_live_and_is_woken_by_its_answer(
    gateway: httpx.MockTransport, pump: Any
) -> None:
    team = f"team-{new_id()}"
    token = issue_token(Principal("user-1", team, "member"), ttl_seconds=900)
    subscribed = threading.Event()

    @contextmanager
    def signalling(url: str) -> Iterator[Socket]:
        with connect_websocket(url) as socket:

            class Watched:
                def send(self, message: str) -> None:
                    socket.send(message)

                def recv(self, timeout: float | None = None) -> str | bytes:
                    answer = socket.recv(timeout=timeout)
                    subscribed.set()  # the first answer is the subscription's
                    return answer

            yield Watched()

    def opener(url: str) -> AbstractContextManager[Socket]:
        return signalling(url)

    ended: list[dict[str, Any]] = []
    notes: list[str] = []
    with (
        ApiClient(BASE, token, transport=gateway, retries=0) as client,
        LocalLive(get_settings()).running(),
    ):
        created = client._call(
            "POST",
            "/chat",
            json={"messages": [{"role": "user", "content": "hi"}], "provider": "templates"},
        ).json()
        waiter = threading.Thread(
            target=lambda: ended.append(
                wait_for(
                    client,
                    created["ticket_id"],
                    token=token,
                    polling=NEVER,
                    max_wait=TIMEOUT,
                    note=notes.append,
                    connect=opener,
                )
            ),
            daemon=True,
        )
        waiter.start()
        assert subscribed.wait(TIMEOUT)
        pump.drain()
        waiter.join(TIMEOUT)

    assert not waiter.is_alive()
    assert notes == []
    [answer] = ended
    assert answer["status"] == "completed"
    assert "received your message" in answer["result"]


def test_an_empty_question_is_a_usage_error_and_sends_nothing() -> None:
    api = FakeApi()

    result = factory("chat", "   ", api=api)

    assert result.code == 2
    assert "the message is empty" in result.err
    assert api.sent("POST", "/api/v1/chat") == []

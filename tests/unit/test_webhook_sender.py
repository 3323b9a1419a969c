"""A delivery attempt's parts: the Standard Webhooks headers, the HTTP attempt (the URL
checked again and pinned to the address checked, 15 s, no redirects), Retry-After, and
the retry schedule."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from shared.webhooks import retries, sender, signing

MOMENT = datetime(2026, 12, 4, 10, 0, 0, tzinfo=UTC)


def resolves_to(address: str) -> Any:
    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    return resolve


def test_a_new_secret_is_whsec_and_32_random_bytes() -> None:
    import base64

    first, second = signing.new_secret(), signing.new_secret()

    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32
    assert first != second


def test_each_secret_signs_and_the_reference_library_verifies_either(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old, new = signing.new_secret(), signing.new_secret()
    body = '{"type":"job.completed","timestamp":"2026-12-04T10:00:00+00:00","data":{}}'
    now = datetime.now(UTC)

    headers = signing.headers([new, old], "msg_1", now, body)

    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers)["type"] == "job.completed"


def _transport(answer: httpx.Response | Exception, seen: list[httpx.Request]) -> Any:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handle)


def test_deployed_the_attempt_connects_to_the_address_checked() -> None:
    seen: list[httpx.Request] = []

    outcome = sender.post(
        "https://hooks.example.com/in?k=1",
        "{}",
        {"webhook-id": "msg_1"},
        strict=True,
        resolve=resolves_to("93.184.215.14"),
        transport=_transport(httpx.Response(204), seen),
    )

    assert outcome.ok
    assert outcome.response_code == 204
    [request] = seen
    assert str(request.url) == "https://93.184.215.14/in?k=1"
    assert request.headers["host"] == "hooks.example.com"
    assert request.extensions["sni_hostname"] == "hooks.example.com"
    assert request.headers["webhook-id"] == "msg_1"


def test_deployed_a_name_resolving_to_a_private_address_is_not_attempted() -> None:
    seen: list[httpx.Request] = []

    outcome = sender.post(
        "https://hooks.example.com/in",
        "{}",
        {},
        strict=True,
        resolve=resolves_to("10.0.0.8"),
        transport=_transport(httpx.Response(204), seen),
    )

    assert not outcome.ok
    assert outcome.response_code is None
    assert "public address" in (outcome.error or "")
    assert seen == []


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.ReadTimeout("slow"), "no answer within 15 s"),
        (httpx.ConnectError("refused"), "connection failed: ConnectError"),
        (
            httpx.Response(301, headers={"location": "https://elsewhere.example"}),
            "redirect not followed",
        ),
        (httpx.Response(500), "answered 500"),
    ],
)
def test_anything_but_2xx_is_a_failure_saying_why(answer: Any, error: str) -> None:
    seen: list[httpx.Request] = []

    outcome = sender.post(
        "http://127.0.0.1:9/hook", "{}", {}, strict=False, transport=_transport(answer, seen)
    )

    assert not outcome.ok
    assert outcome.error == error
    assert len(seen) == 1  # a redirect is not followed


def test_the_timeout_is_15_seconds() -> None:
    assert sender.TIMEOUT_SECONDS == 15.0


@pytest.mark.parametrize(
    ("status", "value", "seconds"),
    [
        (429, "120", 120),
        (503, "7", 7),
        (429, "soon", None),
        (500, "120", None),  # honoured on 429 and 503 only
    ],
)
def test_retry_after_is_read_on_429_and_503(status: int, value: str, seconds: int | None) -> None:
    outcome = sender.post(
        "http://127.0.0.1:9/hook",
        "{}",
        {},
        strict=False,
        transport=_transport(httpx.Response(status, headers={"retry-after": value}), []),
    )

    assert outcome.retry_after == seconds


def test_an_http_date_retry_after_counts_from_now() -> None:
    assert sender.retry_after_seconds("Fri, 04 Dec 2026 10:05:00 GMT", MOMENT) == 300
    assert sender.retry_after_seconds("Fri, 04 Dec 2026 09:00:00 GMT", MOMENT) == 0


def test_the_schedule_is_immediately_5s_5m_30m_2h_5h_10h_10h() -> None:
    waits = [
        retries.next_attempt_at(position, MOMENT) for position in range(1, retries.ATTEMPTS + 1)
    ]

    assert [(w - MOMENT).total_seconds() for w in waits[:-1] if w] == [
        5,
        300,
        1800,
        7200,
        18000,
        36000,
        36000,
    ]
    assert waits[-1] is None  # after the 8th attempt, none


def test_retry_after_waits_longer_never_shorter_and_at_most_10_hours() -> None:
    assert retries.next_attempt_at(1, MOMENT, retry_after=60) == MOMENT + timedelta(seconds=60)
    assert retries.next_attempt_at(3, MOMENT, retry_after=60) == MOMENT + timedelta(minutes=30)
    assert retries.next_attempt_at(1, MOMENT, retry_after=10**7) == MOMENT + timedelta(hours=10)

"""Seed 002's POST /log/client: a client's entry reaches the service's structured log
(the Powertools logger) at its level with `client_host` and `user_agent` added; it is
public, capped in size (413) and rate-limited per address (429)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from functions.auth.client_logs import CLIENT_LOG_PER_IP
from shared.observability import logger
from tests.factories import assert_error

PATH = "/api/v1/log/client"
ENTRY = {"eventType": "page_error", "message": "TypeError: x is undefined", "level": "ERROR"}


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def client_logs(self) -> list[logging.LogRecord]:
        return [record for record in self.records if hasattr(record, "client_log")]


@pytest.fixture
def captured() -> Iterator[Captured]:
    handler = Captured()
    underlying = logger._logger  # the Powertools logger's logging.Logger
    level = underlying.level
    underlying.addHandler(handler)
    underlying.setLevel(logging.DEBUG)
    yield handler
    underlying.removeHandler(handler)
    underlying.setLevel(level)


def test_an_entry_is_logged_with_where_it_came_from(
    client_at: Callable[..., TestClient], captured: Captured
) -> None:
    client = client_at("192.0.2.41")
    body = {**ENTRY, "metadata": {"url": "/jobs", "line": 12}}

    answer = client.post(PATH, json=body, headers={"User-Agent": "Mozilla/5.0 test"})

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "logged"}
    [record] = captured.client_logs()
    assert (record.levelno, record.getMessage()) == (logging.ERROR, ENTRY["message"])
    assert record.client_log == {  # type: ignore[attr-defined]
        "event_type": "page_error",
        "level": "ERROR",
        "metadata": {
            "url": "/jobs",
            "line": 12,
            "client_host": "192.0.2.41",
            "user_agent": "Mozilla/5.0 test",
        },
    }


@pytest.mark.parametrize(
    ("level", "logged_at"),
    [("INFO", logging.INFO), ("WARN", logging.WARNING), ("DEBUG", logging.DEBUG)],
)
def test_each_level_is_the_loggers(
    client_at: Callable[..., TestClient], captured: Captured, level: str, logged_at: int
) -> None:
    answer = client_at().post(PATH, json={"event_type": "click", "message": "m", "level": level})

    assert answer.status_code == 200, answer.text
    assert [record.levelno for record in captured.client_logs()] == [logged_at]


@pytest.mark.parametrize(
    "body",
    [
        {"message": "no type"},
        {**ENTRY, "level": "LOUD"},
        {**ENTRY, "message": " "},
        {**ENTRY, "message": "x" * 4001},
        {**ENTRY, "metadata": ["not", "an", "object"]},
        {**ENTRY, "extra": 1},
    ],
)
def test_a_bad_entry_is_422_and_not_logged(
    client_at: Callable[..., TestClient], captured: Captured, body: dict[str, Any]
) -> None:
    assert_error(client_at().post(PATH, json=body), 422)
    assert captured.client_logs() == []


def test_too_much_metadata_is_413_and_not_logged(
    client_at: Callable[..., TestClient], captured: Captured
) -> None:
    body = {**ENTRY, "metadata": {"dump": "x" * 9000}}

    assert_error(client_at().post(PATH, json=body), 413)
    assert captured.client_logs() == []


def test_an_address_over_its_rate_is_429_others_are_not(
    client_at: Callable[..., TestClient], captured: Captured
) -> None:
    noisy = client_at()
    for _ in range(CLIENT_LOG_PER_IP.requests):
        assert noisy.post(PATH, json=ENTRY).status_code == 200

    over = noisy.post(PATH, json=ENTRY)

    assert_error(over, 429)
    assert int(over.headers["Retry-After"]) >= 1
    assert len(captured.client_logs()) == CLIENT_LOG_PER_IP.requests
    assert client_at().post(PATH, json=ENTRY).status_code == 200

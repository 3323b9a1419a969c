"""tools/webhook_receiver.py: the README's local receiver accepts what is signed, nothing else."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer

import httpx
import pytest
from standardwebhooks import Webhook

from tools.webhook_receiver import _handler

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def receiver_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Webhook(SECRET), fail=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    now = datetime.now(UTC)
    signature = Webhook(secret).sign("msg_1", now, body.decode())
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def test_a_signed_delivery_is_acknowledged_and_printed(
    receiver_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    body = json.dumps({"type": "job.completed", "timestamp": "t", "data": {}}).encode()

    answer = httpx.post(receiver_url, content=body, headers=_signed(body))

    assert answer.status_code == 204
    assert json.loads(capsys.readouterr().out) == {"id": "msg_1", "type": "job.completed"}


def test_a_delivery_signed_with_another_secret_is_refused(receiver_url: str) -> None:
    body = b'{"type": "job.completed", "timestamp": "t", "data": {}}'
    other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"

    answer = httpx.post(receiver_url, content=body, headers=_signed(body, other))

    assert answer.status_code == 401

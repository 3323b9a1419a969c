"""Fake OpenAI- and Anthropic-compatible servers, a webhook receiver, the Telegram Bot API
and Stripe's API: real HTTP on 127.0.0.1, scripted answers.

Each server records every request (method, path, query, headers, JSON body) and answers
from a per-route script; once a route's script is used up, its default answer (a
well-formed completion or model list) is given. The provider under test talks to it
with its own httpx client: nothing is patched.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: Any
    raw: bytes = b""  # the body as received (a signature covers these bytes)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None  # dict or list: sent as JSON; str or bytes: sent as they are
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering


def _parsed(raw: bytes, content_type: str) -> Any:
    """A JSON body as its value; a form (Stripe's API takes them) as its flat fields
    (`line_items[0][quantity]` stays one key)."""
    if not raw:
        return None
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(raw.decode(), keep_blank_values=True))
    return json.loads(raw)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real providers and httpx's pool expect
    # The head and the body go out as two writes: with Nagle's algorithm the body waits for
    # the client's delayed ACK of the head (40 ms on Linux), on every answer.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows what matters."""

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        recorded = Recorded(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=_parsed(raw, self.headers.get("content-type") or ""),
            raw=raw,
        )
        fake = self.server.fake
        reply = fake.answer(recorded)
        if reply.delay and fake.stopping.wait(reply.delay):
            return  # the test is over: nobody is listening any more
        if isinstance(reply.body, dict | list):
            payload, content_type = json.dumps(reply.body).encode(), "application/json"
        elif isinstance(reply.body, str):
            payload, content_type = reply.body.encode(), "text/plain; charset=utf-8"
        else:
            payload, content_type = reply.body or b"", "application/octet-stream"
        self.send_response(reply.status)
        headers = {"content-type": content_type, **reply.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout test) closed its end: not worth a traceback."""


class FakeServer:
    def __init__(self, defaults: Mapping[tuple[str, str], Reply]) -> None:
        self.requests: list[Recorded] = []
        self.stopping = threading.Event()
        self._defaults = dict(defaults)
        self._scripts: dict[tuple[str, str], deque[Reply]] = {}
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, method: str, path: str, *replies: Reply) -> None:
        """Answer the next requests to `method path` with `replies`, in order."""
        with self._lock:
            self._scripts.setdefault((method, path), deque()).extend(replies)

    def answer(self, recorded: Recorded) -> Reply:
        route = (recorded.method, recorded.path)
        with self._lock:
            self.requests.append(recorded)
            queued = self._scripts.get(route)
            if queued:
                return queued.popleft()
        return self._defaults.get(route, Reply(404, {"error": {"message": "no such route"}}))

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def openai_chat(
    text: str = "Hello from the fake.",
    *,
    model: str = "gpt-4o-mini-2024-07-18",
    prompt_tokens: int = 21,
    completion_tokens: int = 5,
    finish_reason: str = "stop",
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def openai_models(*ids: str) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": i, "object": "model", "created": 0, "owned_by": "fake"} for i in ids],
    }


def anthropic_message(
    *texts: str,
    model: str = "claude-haiku-4-5-20251001",
    input_tokens: int = 34,
    output_tokens: int = 9,
    stop_reason: str = "end_turn",
) -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text} for text in texts or ("Hello from Claude.",)],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def anthropic_models(*ids: str, has_more: bool = False) -> dict[str, Any]:
    return {
        "data": [
            {"type": "model", "id": i, "display_name": i, "created_at": "2025-10-01T00:00:00Z"}
            for i in ids
        ],
        "has_more": has_more,
        "first_id": ids[0] if ids else None,
        "last_id": ids[-1] if ids else None,
    }


def fake_openai() -> FakeServer:
    return FakeServer(
        {
            ("POST", "/v1/chat/completions"): Reply(body=openai_chat()),
            ("GET", "/v1/models"): Reply(body=openai_models("gpt-4o-mini", "gpt-4.1")),
        }
    )


def fake_anthropic() -> FakeServer:
    return FakeServer(
        {
            ("POST", "/v1/messages"): Reply(body=anthropic_message()),
            ("GET", "/v1/models"): Reply(body=anthropic_models("claude-haiku-4-5-20251001")),
        }
    )


class WebhookReceiver(FakeServer):
    """A receiver of our webhooks, as a team would build one on the `standardwebhooks`
    reference library: each POST to `path` is verified when it arrives (the signature's
    timestamp is checked against the clock of that moment) with every secret in `secrets`;
    `verified[i]` maps each secret to whether request i verified with it."""

    def __init__(self, *secrets: str, path: str = "/hook") -> None:
        super().__init__({("POST", path): Reply(204)})
        self.path = path
        self.secrets = list(secrets)
        self.verified: list[dict[str, bool]] = []

    def answer(self, recorded: Recorded) -> Reply:
        from standardwebhooks import Webhook, WebhookVerificationError

        outcome = {}
        for secret in self.secrets:
            try:
                Webhook(secret).verify(recorded.raw, recorded.headers)
                outcome[secret] = True
            except WebhookVerificationError:
                outcome[secret] = False
        with self._lock:
            self.verified.append(outcome)
        return super().answer(recorded)

    @property
    def endpoint(self) -> str:
        return f"{self.url}{self.path}"


class TelegramBotApi(FakeServer):
    """Telegram's Bot API for one bot: `sendMessage` answers `{ok, result}` as Telegram
    does; the base URL (`url`) is what the telegram_api_url setting points at in tests."""

    def __init__(self, token: str) -> None:
        self.path = f"/bot{token}/sendMessage"
        super().__init__({("POST", self.path): Reply(200, {"ok": True, "result": {}})})


class FakeStripe(FakeServer):
    """Stripe's API as the payments provider calls it: a Checkout Session
    (`POST /v1/checkout/sessions`) and a refund (`POST /v1/refunds`), each with a fresh id;
    a scripted reply (an error) goes first. As Stripe does, a request repeating an
    idempotency key gets the first one's answer."""

    PAGE = "https://checkout.stripe.test/c/pay"

    def __init__(self) -> None:
        super().__init__({})
        self._made = 0
        self._by_key: dict[str, Reply] = {}

    def answer(self, recorded: Recorded) -> Reply:
        route = (recorded.method, recorded.path)
        key = recorded.headers.get("idempotency-key")
        with self._lock:
            self.requests.append(recorded)
            queued = self._scripts.get(route)
            if queued:
                return queued.popleft()
            if key in self._by_key:
                return self._by_key[key]
            self._made += 1
            reply = self._make(route, recorded.body or {}, self._made)
            if key and reply.status == 200:
                self._by_key[key] = reply
            return reply

    def _make(self, route: tuple[str, str], form: dict[str, str], number: int) -> Reply:
        if route == ("POST", "/v1/checkout/sessions"):
            session = f"cs_test_fake{number}"
            return Reply(
                body={
                    "id": session,
                    "object": "checkout.session",
                    "mode": form.get("mode"),
                    "client_reference_id": form.get("client_reference_id"),
                    "url": f"{self.PAGE}/{session}",
                    "payment_status": "unpaid",
                    "status": "open",
                }
            )
        if route == ("POST", "/v1/refunds"):
            return Reply(
                body={
                    "id": f"re_fake{number}",
                    "object": "refund",
                    "amount": int(form.get("amount", "0")),
                    "payment_intent": form.get("payment_intent"),
                    "status": "succeeded",
                }
            )
        return Reply(404, {"error": {"type": "invalid_request_error", "message": "no route"}})

    def calls(self, path: str) -> list[Recorded]:
        return [request for request in self.requests if request.path == path]

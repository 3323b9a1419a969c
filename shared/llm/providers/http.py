"""JSON over HTTP for the providers that speak it: one pooled client per provider, the
one mapping from HTTP failures to ProviderError, and `HttpProvider`, what those providers
share around their own request and answer shapes.

The API key is held as a `SecretStr` and added to each request by an `httpx.Auth`, so it
is in neither the client's default headers nor any repr. Error messages name the provider
and the status and quote at most `EXCERPT_CHARS` of the provider's own explanation, with
the key replaced wherever the provider echoed it.
"""

from __future__ import annotations

import json
import math
import ssl
from abc import ABC, abstractmethod
from collections.abc import Generator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any

import httpx
from pydantic import SecretStr

from shared.llm.providers import DEFAULT_READ_TIMEOUT, kind_for_status
from shared.llm.providers.catalog import price
from shared.llm.types import Completion, CompletionRequest, ErrorKind, Pricing, ProviderError

EXCERPT_CHARS = 200
REDACTED = "[redacted]"
USER_AGENT = "software-factory"


def timeouts(read: float) -> httpx.Timeout:
    return httpx.Timeout(connect=5.0, read=read, write=30.0, pool=5.0)


@cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes 30-60 ms: once per container, not once per provider.
    return httpx.create_ssl_context()


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds the provider asked us to wait, or None when it did not say.

    OpenAI sends `retry-after-ms` beside `Retry-After`; `Retry-After` itself is seconds or
    an HTTP-date (RFC 9110). `headers`: httpx's, or any mapping with lower-case names
    (botocore's response metadata, for Bedrock).
    """
    millis = _seconds(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def count(usage: object, key: str) -> int | None:
    """A token count from a usage object, or None when it is missing or not a count."""
    if not isinstance(usage, dict):
        return None
    value = usage.get(key)
    # bool is an int to Python, never a count to a provider.
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class _KeyAuth(httpx.Auth):
    def __init__(self, header: str, prefix: str, key: SecretStr) -> None:
        self._header = header
        self._prefix = prefix
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._prefix + self._key.get_secret_value()
        yield request


class JsonHttp:
    """One provider's connection pool: JSON in, JSON out, every failure a ProviderError."""

    def __init__(
        self,
        provider: str,
        *,
        base_url: str,
        api_key: str,
        auth_header: str,
        auth_prefix: str = "",
        headers: Mapping[str, str] | None = None,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"{provider}: the base URL must be an http(s) URL")
        if url.userinfo:
            raise ValueError(f"{provider}: put credentials in the API key, not in the base URL")
        if not read_timeout > 0:
            raise ValueError(f"{provider}: the read timeout must be positive")
        self.provider = provider
        self._key = SecretStr(api_key)
        self._client = httpx.Client(
            base_url=url,
            headers={"user-agent": USER_AGENT, **(headers or {})},
            auth=_KeyAuth(auth_header, auth_prefix, self._key) if api_key else None,
            timeout=timeouts(read_timeout),
            verify=_tls_context(),
            follow_redirects=False,  # a redirect would carry the key to another host
        )

    def __repr__(self) -> str:
        return f"JsonHttp(provider={self.provider!r}, base_url={str(self._client.base_url)!r})"

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Any:
        """The decoded JSON of a 2xx answer; anything else raises ProviderError."""
        try:
            response = self._client.request(method, path, json=body, params=params)
        except httpx.TimeoutException as exc:
            raise self.error("timeout", f"no answer in time ({type(exc).__name__})") from exc
        except httpx.DecodingError as exc:  # a body its own Content-Encoding cannot undo
            raise self.malformed(f"the answer could not be decoded ({type(exc).__name__})") from exc
        except httpx.RequestError as exc:
            # Refused, reset or unresolvable: another attempt may well get through.
            raise self.error("timeout", f"could not reach it ({type(exc).__name__})") from exc
        if not response.is_success:
            raise self.status_error(response)
        try:
            return response.json()
        except ValueError:  # not JSON, or not text at all; `from None` drops the body
            raise self.malformed("the answer is not JSON", status=response.status_code) from None

    def close(self) -> None:
        self._client.close()

    def error(
        self,
        kind: ErrorKind,
        detail: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> ProviderError:
        prefix = f"{self.provider}: HTTP {status}" if status is not None else self.provider
        detail = self.redact(detail)
        return ProviderError(
            f"{prefix} ({kind}): {detail}",
            kind=kind,
            provider=self.provider,
            status=status,
            retry_after=retry_after,
            detail=detail,
        )

    def malformed(self, detail: str, *, status: int | None = None) -> ProviderError:
        return self.error("malformed", detail, status=status)

    def status_error(self, response: httpx.Response) -> ProviderError:
        kind = kind_for_status(response.status_code)
        return self.error(
            kind,
            self._excerpt(response),
            status=response.status_code,
            # 503 and Anthropic's 529 may say when to come back, as 429 does.
            retry_after=retry_after(response.headers)
            if kind in ("rate_limited", "unavailable")
            else None,
        )

    def redact(self, text: str) -> str:
        key = self._key.get_secret_value()
        return text.replace(key, REDACTED) if key else text

    def _excerpt(self, response: httpx.Response) -> str:
        """The provider's own explanation, short, on one line, without the key."""
        text = response.text
        detail = text
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            # OpenAI and Anthropic: {"error": {"message": ...}}; others {"message": ...}.
            error = decoded.get("error")
            if isinstance(error, dict) and isinstance(error.get("message"), str):
                detail = error["message"]
            elif isinstance(error, str):
                detail = error
            elif isinstance(decoded.get("message"), str):
                detail = decoded["message"]
            elif isinstance(decoded.get("detail"), str):  # FastAPI-based servers
                detail = decoded["detail"]
        # Redacted before it is cut, so a cut cannot leave part of the key behind.
        detail = " ".join(self.redact(detail).split())
        if detail in ("", "{}", "[]", "null"):
            return response.reason_phrase or "no explanation"
        if len(detail) > EXCERPT_CHARS:
            return detail[:EXCERPT_CHARS] + "…"
        return detail


class HttpProvider(ABC):
    """A provider behind one `JsonHttp` pool: its identity, the completion round trip,
    checks, prices and closing. A subclass names its `kind`, where completions are asked
    (`completions_path`) and its usage counts (`usage_keys`: tokens in, tokens out), and
    writes its request (`_payload`), its answer's reading (`_completion`) and `list_models`.
    """

    kind: str
    completions_path: str
    usage_keys: tuple[str, str]

    def __init__(
        self,
        name: str,
        *,
        base_url: str,
        api_key: str,
        default_model: str,
        read_timeout: float,
        prices: Mapping[str, Pricing] | None,
        auth_header: str,
        auth_prefix: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url
        self.default_model = default_model
        self._prices = dict(prices or {})
        self._http = JsonHttp(
            name,
            base_url=base_url,
            api_key=api_key,
            auth_header=auth_header,
            auth_prefix=auth_prefix,
            headers=headers,
            read_timeout=read_timeout,
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, base_url={self.base_url!r}, "
            f"default_model={self.default_model!r})"
        )

    def complete(self, request: CompletionRequest) -> Completion:
        model = request.model or self.default_model
        body = self._payload(model, request)
        return self._completion(model, self._http.request("POST", self.completions_path, body=body))

    @abstractmethod
    def list_models(self) -> list[str]: ...

    def check(self) -> int:
        return len(self.list_models())

    def pricing(self, model: str) -> Pricing:
        return price(self.kind, model, self._prices)

    def close(self) -> None:
        self._http.close()

    @abstractmethod
    def _payload(self, model: str, request: CompletionRequest) -> dict[str, Any]: ...

    @abstractmethod
    def _completion(self, model: str, answer: Any) -> Completion: ...

    def _answered(
        self, model: str, answer: Mapping[str, Any], text: str, finish_reason: str
    ) -> Completion:
        """The Completion of an answer whose text and finish reason are read: its token
        usage, and the model it names (else the one asked for)."""
        usage = answer.get("usage")
        tokens_in, tokens_out = (count(usage, key) for key in self.usage_keys)
        if tokens_in is None or tokens_out is None:
            # Without usage the spend cannot be counted: do not pass it off as free.
            raise self._http.malformed("the answer has no token usage")
        answered_by = answer.get("model")
        return Completion(
            text=text,
            model=answered_by if isinstance(answered_by, str) and answered_by else model,
            provider=self.name,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            finish_reason=finish_reason,
        )

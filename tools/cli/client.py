"""`ApiClient`: typed calls to the Software Factory API over httpx, with errors mapped to
`ApiError` so commands print one clear line instead of a traceback."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from tools.cli.models import (
    Approval,
    ApprovalDetail,
    ApprovalQueue,
    CancelAnswer,
    DeadLetter,
    DeadLetterPage,
    DeliveryPage,
    DownloadLink,
    Job,
    JobPage,
    Phase,
    Queued,
    TokenAnswer,
    WebhookCreated,
    WebhookPage,
    WebhookTestOutcome,
)

DEFAULT_URL = "http://127.0.0.1:8000"
API_PREFIX = "/api/v1"
USER_AGENT = "factory-cli/0.1.0"
# Long enough for a cold Lambda start behind API Gateway, short enough that a dead
# server is reported promptly.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# Answers that say "try again": throttling and a gateway or backend that is briefly away.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
LOGIN_HINT = (
    "no token: set FACTORY_TOKEN or pass --token (`factory login --admin-key KEY` prints one)"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}

_PHASES = TypeAdapter(list[Phase])


class ApiError(Exception):
    """A request that did not succeed: an error answer (`status` set) or no answer at all."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        detail: Any = None,
        request_id: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail
        self.request_id = request_id
        # Whether asking again may succeed: no answer at all, or a "try again" status.
        self.retryable = retryable

    def lines(self) -> list[str]:
        """What to print on stderr: the message, 422 field errors one per line, the id to
        quote when asking for help."""
        lines = [self.message]
        if isinstance(self.detail, list):
            lines.extend(f"  - {_field_error(item)}" for item in self.detail)
        if self.status == 401:
            lines.append("  the token is missing, invalid or expired: `factory login` gives one")
        if self.request_id:
            lines.append(f"  request id: {self.request_id}")
        return lines


def _field_error(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    # FastAPI's loc starts with where the value came from ("body", "query"); the field
    # path after it is what the user typed.
    loc = [str(part) for part in item.get("loc", []) if part not in ("body", "query", "path")]
    message = str(item.get("msg", item))
    return f"{'.'.join(loc)}: {message}" if loc else message


def normalize_base_url(url: str) -> str:
    """`https://host/prod/`, `.../api` and `.../api/v1` all mean the same API."""
    url = url.strip().rstrip("/")
    parsed = httpx.URL(url)
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.host:
        raise ValueError(f"the API URL must be http(s)://host[:port][/path], not {url!r}")
    for suffix in (API_PREFIX, "/api"):
        if url.endswith(suffix):
            url = url[: -len(suffix)]
            break
    return url


def same_origin(first: str, second: str) -> bool:
    a, b = httpx.URL(first), httpx.URL(second)
    return (a.scheme, a.host, a.port or _DEFAULT_PORTS.get(a.scheme)) == (
        b.scheme,
        b.host,
        b.port or _DEFAULT_PORTS.get(b.scheme),
    )


def error_from_response(response: httpx.Response) -> ApiError:
    """`{detail, request_id}` from our API; `{message}` from API Gateway itself (authorizer,
    throttling); plain text from anything else in between."""
    detail: Any = None
    request_id = response.headers.get("x-request-id") or response.headers.get("apigw-requestid")
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        detail = body.get("detail", body.get("message"))
        request_id = body.get("request_id") or request_id
    if detail is None:
        detail = response.text.strip()[:300] or response.reason_phrase
    status = f"{response.status_code} {response.reason_phrase}".strip()
    summary = "invalid request" if isinstance(detail, list) else str(detail)
    return ApiError(
        f"{status}: {summary}",
        status=response.status_code,
        detail=detail,
        request_id=request_id,
        retryable=response.status_code in RETRYABLE_STATUSES,
    )


class ApiClient:
    """One API base URL and token. The token is added per request, never as a client
    default, so a download from another origin (S3) can never carry it."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.api_url = self.base_url + API_PREFIX
        self.token = token
        self.retries = retries
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=timeout, transport=transport, headers={"User-Agent": USER_AGENT}
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- service ----------------------------------------------------------------------

    def service_info(self) -> dict[str, Any]:
        """`GET /api/v1`: the service, its version, its docs and live events' URL."""
        response = self._call("GET", "", authenticated=False)
        try:
            info = response.json()
        except ValueError as exc:
            raise _unexpected(response) from exc
        if not isinstance(info, dict):
            raise _unexpected(response)
        return info

    # --- jobs -------------------------------------------------------------------------

    def create_job(self, body: Mapping[str, Any], idempotency_key: str) -> Job:
        # The key makes this POST safe to repeat, so transport errors are retried with it:
        # the server answers a repeat with the first job instead of starting a second.
        response = self._call(
            "POST",
            "/jobs",
            json=dict(body),
            headers={"Idempotency-Key": idempotency_key},
            retry=True,
        )
        return _decode(response, Job)

    def list_jobs(self, limit: int = 20, cursor: str | None = None) -> JobPage:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return _decode(self._call("GET", "/jobs", params=params), JobPage)

    def get_job(self, ref: str) -> Job:
        return _decode(self._call("GET", f"/jobs/{_segment(ref)}"), Job)

    def phases(self, ref: str) -> list[Phase]:
        response = self._call("GET", f"/jobs/{_segment(ref)}/phases")
        try:
            return _PHASES.validate_python(response.json())
        except (ValueError, ValidationError) as exc:
            raise _unexpected(response) from exc

    def cancel(self, ref: str) -> CancelAnswer:
        return _decode(self._call("POST", f"/jobs/{_segment(ref)}/cancel"), CancelAnswer)

    def retry(self, ref: str, from_phase: str | None = None) -> Job:
        body = {"from_phase": from_phase} if from_phase else {}
        return _decode(self._call("POST", f"/jobs/{_segment(ref)}/retry", json=body), Job)

    def download_link(self, ref: str) -> DownloadLink:
        return _decode(self._call("GET", f"/jobs/{_segment(ref)}/download"), DownloadLink)

    def download(self, ref: str, destination: Path) -> int:
        """Save the job's ZIP at `destination` and return its size. The file appears only
        once complete and checked, so a failed download never leaves a half ZIP behind."""
        link = self.download_link(ref)
        url = str(httpx.URL(self.api_url + "/").join(link.url))
        # The link is presigned S3 (locally the emulated S3's): our bearer token must not go
        # there (S3 would refuse the request, and the token would leak). A link to this
        # API's own ZIP route wants the token.
        headers = self._auth_headers() if same_origin(url, self.base_url) else {}
        partial = destination.with_name(f".{destination.name}.part")
        try:
            with self._http.stream("GET", url, headers=headers, follow_redirects=True) as answer:
                if not answer.is_success:
                    answer.read()
                    raise error_from_response(answer)
                with partial.open("wb") as file:
                    for chunk in answer.iter_bytes():
                        file.write(chunk)
            if not zipfile.is_zipfile(partial):
                raise ApiError(f"the download from {_origin(url)} is not a ZIP file")
            partial.replace(destination)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, url) from exc
        finally:
            partial.unlink(missing_ok=True)
        return destination.stat().st_size

    # --- approvals --------------------------------------------------------------------

    def approvals(self, status: str = "pending") -> ApprovalQueue:
        response = self._call("GET", "/approvals", params={"status": status})
        return _decode(response, ApprovalQueue)

    def approval(self, approval_id: str) -> ApprovalDetail:
        return _decode(self._call("GET", f"/approvals/{_segment(approval_id)}"), ApprovalDetail)

    def approve(
        self,
        approval_id: str,
        edited_output: str | None = None,
        new_limit_usd: float | None = None,
    ) -> Approval:
        given = {"edited_output": edited_output, "new_limit_usd": new_limit_usd}
        body = {name: value for name, value in given.items() if value is not None} or None
        path = f"/approvals/{_segment(approval_id)}/approve"
        return _decode(self._call("POST", path, json=body), Approval)

    def reject(self, approval_id: str, reason: str, *, send_back: bool = False) -> Approval:
        # Without --send-back the team's on_reject setting decides.
        params = {"reason": reason, **({"send_back": "true"} if send_back else {})}
        path = f"/approvals/{_segment(approval_id)}/reject"
        return _decode(self._call("POST", path, params=params), Approval)

    # --- webhooks ---------------------------------------------------------------------

    def webhooks(self, limit: int = 100, cursor: str | None = None) -> WebhookPage:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        return _decode(self._call("GET", "/webhooks", params=params), WebhookPage)

    def add_webhook(
        self, url: str, events: list[str], description: str | None = None, enabled: bool = True
    ) -> WebhookCreated:
        body: dict[str, Any] = {"url": url, "events": events, "enabled": enabled}
        if description is not None:
            body["description"] = description
        return _decode(self._call("POST", "/webhooks", json=body), WebhookCreated)

    def deliveries(
        self, webhook_id: str, limit: int = 20, cursor: str | None = None
    ) -> DeliveryPage:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        path = f"/webhooks/{_segment(webhook_id)}/deliveries"
        return _decode(self._call("GET", path, params=params), DeliveryPage)

    def test_webhook(self, webhook_id: str) -> WebhookTestOutcome:
        path = f"/webhooks/{_segment(webhook_id)}/test"
        return _decode(self._call("POST", path), WebhookTestOutcome)

    # --- dead letters -----------------------------------------------------------------

    def dead_letters(
        self,
        source: str | None = None,
        status: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> DeadLetterPage:
        given = {"source": source, "status": status, "cursor": cursor}
        params: dict[str, Any] = {"limit": limit}
        params.update({name: value for name, value in given.items() if value})
        return _decode(self._call("GET", "/dead-letter", params=params), DeadLetterPage)

    def retry_dead_letter(self, item_id: str) -> DeadLetter:
        path = f"/dead-letter/{_segment(item_id)}/retry"
        return _decode(self._call("POST", path), DeadLetter)

    def retry_all_dead_letters(self, limit: int | None = None, source: str | None = None) -> Queued:
        given = {"limit": limit, "source": source}
        params = {name: value for name, value in given.items() if value is not None}
        return _decode(self._call("POST", "/dead-letter/retry-all", params=params), Queued)

    # --- auth -------------------------------------------------------------------------

    def issue_token(self, admin_key: str, team_id: str, role: str) -> TokenAnswer:
        response = self._call(
            "POST",
            "/auth/token",
            json={"team_id": team_id, "role": role},
            headers={"X-Admin-Key": admin_key},
            authenticated=False,
        )
        return _decode(response, TokenAnswer)

    # --- plumbing ---------------------------------------------------------------------

    def _auth_headers(self) -> dict[str, str]:
        if not self.token:
            raise ApiError(LOGIN_HINT)
        return {"Authorization": f"Bearer {self.token}"}

    def _call(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        retry: bool | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send, retrying what is safe to repeat (reads, and writes that carry an
        Idempotency-Key) when the answer says "try again" or never came."""
        all_headers = {**(self._auth_headers() if authenticated else {}), **(headers or {})}
        url = self.api_url + path
        attempts = 1 + (self.retries if (method == "GET" if retry is None else retry) else 0)
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = self._http.request(method, url, headers=all_headers, **kwargs)
            except httpx.HTTPError as exc:
                if last:
                    raise _transport_error(exc, url) from exc
            else:
                # A repeat that finds the first request still in progress answers 409.
                retryable = response.status_code in RETRYABLE_STATUSES or (
                    attempt > 1 and response.status_code == 409
                )
                if response.is_success:
                    return response
                if last or not retryable:
                    raise error_from_response(response)
            self._sleep(0.5 * 2 ** (attempt - 1))
        raise AssertionError("unreachable: the last attempt returns or raises")


def _segment(value: str) -> str:
    # A ref or id is one path segment, whatever it contains.
    return quote(value, safe="")


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode()}"


def _transport_error(exc: httpx.HTTPError, url: str) -> ApiError:
    if isinstance(exc, httpx.TimeoutException):
        message = f"{_origin(url)} did not answer in time ({type(exc).__name__})"
    elif isinstance(exc, httpx.ConnectError):
        message = f"cannot reach {_origin(url)}: {exc or 'connection failed'}"
    else:
        message = f"request to {_origin(url)} failed: {exc or type(exc).__name__}"
    return ApiError(message, retryable=True)


def _unexpected(response: httpx.Response) -> ApiError:
    return ApiError(
        f"unexpected answer from {response.request.method} {response.request.url.path}"
        f" ({response.status_code}): is FACTORY_URL the Software Factory API?",
        request_id=response.headers.get("x-request-id"),
    )


def _decode[ModelT: BaseModel](response: httpx.Response, model: type[ModelT]) -> ModelT:
    try:
        return model.model_validate(response.json())
    except (ValueError, ValidationError) as exc:
        raise _unexpected(response) from exc

"""A real API Gateway HTTP API (payload format 2.0) event and a stand-in Lambda context.

The event has the shape of the captured ones in ``events/apigw_v2_*.json``, but is built
here so that every scenario, baselines included, gets exactly the same headers and fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

_API_ID = "benchapi01"
_REGION = "us-east-1"
_ACCOUNT = "123456789012"


@dataclass(frozen=True, slots=True)
class FakeContext:
    """The attributes Mangum and Powertools' ``inject_lambda_context`` read."""

    function_name: str = "factory-bench"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{_REGION}:{_ACCOUNT}:function:factory-bench"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    log_group_name: str = "/aws/lambda/factory-bench"
    log_stream_name: str = "2025/01/01/[$LATEST]bench"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def http_event(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
    route_key: str | None = None,
) -> dict[str, Any]:
    """An event as API Gateway sends it for `method path` (header names lower-cased)."""
    domain = f"{_API_ID}.execute-api.{_REGION}.amazonaws.com"
    all_headers = {
        "accept": "application/json",
        "accept-encoding": "gzip, deflate, br",
        "host": domain,
        "user-agent": "factory-bench/1.0",
        "x-amzn-trace-id": "Root=1-67890abc-0123456789abcdef01234567",
        "x-forwarded-for": "192.0.2.10",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if body is not None:
        all_headers["content-length"] = str(len(body.encode()))
        all_headers["content-type"] = "application/json"
    all_headers.update({name.lower(): value for name, value in (headers or {}).items()})
    route = route_key or f"ANY {path}"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": query,
        "headers": all_headers,
        "requestContext": {
            "accountId": _ACCOUNT,
            "apiId": _API_ID,
            "domainName": domain,
            "domainPrefix": _API_ID,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.10",
                "userAgent": all_headers["user-agent"],
            },
            "requestId": "bench-request-0",
            "routeKey": route,
            "stage": "$default",
            "time": "01/Jan/2025:00:00:00 +0000",
            "timeEpoch": 1735689600000,
        },
        "isBase64Encoded": False,
    }
    if query:
        # API Gateway's own (URL-decoded) view; Mangum reads rawQueryString.
        pairs = (part.partition("=") for part in query.split("&") if part)
        event["queryStringParameters"] = {name: unquote_plus(value) for name, _, value in pairs}
    if body is not None:
        event["body"] = body
    return event

"""What goes wrong reaching a team's server, on both sides of the worker.

In the worker a `ConnectorError` carries a `kind`; the worker answers it as a status
object (`{"status": "error", "error": kind, "detail"}`), never as a raised error, and the
client raises the project error that kind stands for (`raise_for`).
"""

from __future__ import annotations

from typing import Any, Literal

from shared.errors import DomainError, PayloadTooLarge, ServiceUnavailable, Unprocessable

ErrorKind = Literal[
    # The request is not one we can make: a bad argument, a URL the policy refuses.
    "invalid",
    "refused",
    # The document fetched is not OpenAPI 3.0/3.1 or Swagger 2.0, or is not valid.
    "not_openapi",
    "invalid_spec",
    # An answer over the size cap.
    "too_large",
    # No connection, or an answer that is not what the protocol says.
    "unreachable",
    "timeout",
    # The server answered with an error status (an HTTP API) or an error result (an MCP tool).
    "upstream",
    "tool_error",
    # A bug of ours (logged in the worker).
    "internal",
]


class ConnectorError(Exception):
    def __init__(self, kind: ErrorKind, detail: str) -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(detail)


class BadGateway(DomainError):
    """The server we were asked to reach could not be reached or answered badly."""

    status_code = 502
    default_detail = "The remote server could not be reached"


class GatewayTimeout(DomainError):
    status_code = 504
    default_detail = "The remote server did not answer in time"


_RAISES: dict[str, type[DomainError]] = {
    "invalid": Unprocessable,
    "refused": Unprocessable,
    "not_openapi": Unprocessable,
    "invalid_spec": Unprocessable,
    "tool_error": Unprocessable,
    "too_large": PayloadTooLarge,
    "unreachable": BadGateway,
    "upstream": BadGateway,
    "timeout": GatewayTimeout,
}


def raise_for(answer: dict[str, Any]) -> None:
    """The project error a worker's error answer stands for (nothing for an `ok`)."""
    if answer.get("status") == "ok":
        return
    kind = str(answer.get("error"))
    detail = str(answer.get("detail") or "the connector failed")
    error = _RAISES.get(kind)
    if error is None:  # `internal`, or an answer we do not know: ours, not the caller's
        raise ServiceUnavailable("the connector could not complete the request")
    raise error(detail)

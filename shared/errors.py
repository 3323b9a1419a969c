"""Domain errors and the one mapping from errors to HTTP answers.

Services raise these (``raise NotFound("job") from exc``); every group's app installs
``install_error_handlers`` so each error becomes ``{detail, request_id}`` with its status.
Unexpected exceptions become a 500 that names nothing internal.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.observability import logger


class DomainError(Exception):
    status_code = 500
    default_detail = "Internal server error"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        self.detail = detail or self.default_detail
        self.headers = headers or {}
        super().__init__(self.detail)


class BadRequest(DomainError):
    status_code = 400
    default_detail = "Bad request"


class Unauthorized(DomainError):
    status_code = 401
    default_detail = "Not authenticated"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(DomainError):
    status_code = 403
    default_detail = "Not allowed"


class NotFound(DomainError):
    status_code = 404
    default_detail = "Not found"


class Conflict(DomainError):
    status_code = 409
    default_detail = "Conflict with the current state of the resource"


class Unprocessable(DomainError):
    """Well-formed but refers to something that is not there (an unknown project id, say)."""

    status_code = 422
    default_detail = "Unprocessable request"


class Gone(DomainError):
    """It was there and is no more, for good (an expired preview)."""

    status_code = 410
    default_detail = "Gone"


class PayloadTooLarge(DomainError):
    status_code = 413
    default_detail = "Payload too large"


class RateLimited(DomainError):
    status_code = 429
    default_detail = "Too many requests"

    def __init__(self, retry_after_seconds: int, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_seconds))})


class PaymentRequired(DomainError):
    """What is asked for is sold: the detail says what it costs and how to pay."""

    status_code = 402
    default_detail = "Payment required"


class BudgetExceeded(DomainError):
    """An LLM call would go over a spending limit: `limit` names it ("Team daily budget")."""

    status_code = 402
    default_detail = "Budget exceeded"

    def __init__(
        self, limit: str, spent_usd: float, limit_usd: float, estimate_usd: float = 0.0
    ) -> None:
        self.limit = limit
        self.spent_usd = spent_usd
        self.limit_usd = limit_usd
        usd = self._usd
        if spent_usd >= limit_usd:
            detail = f"{limit} is exhausted: {usd(spent_usd)} spent of {usd(limit_usd)}"
        else:
            detail = (
                f"{limit} would be exceeded: {usd(spent_usd)} spent of {usd(limit_usd)},"
                f" and this call is estimated at {usd(estimate_usd)}"
            )
        super().__init__(detail)

    @staticmethod
    def _usd(amount: float) -> str:
        # Cents as usual; the sub-cent digits only when there are some ($0.000150).
        whole, _, fraction = f"{amount:.6f}".rstrip("0").partition(".")
        return f"${whole}.{fraction.ljust(2, '0')}"


class ServiceUnavailable(DomainError):
    status_code = 503
    default_detail = "Service unavailable"


class ErrorBody(BaseModel):
    """The body of every error answer."""

    model_config = ConfigDict(defer_build=True)

    detail: str | list[dict[str, Any]]
    request_id: str


_STATUS_TEXT = {
    400: "Bad request",
    401: "Not authenticated",
    402: "Budget exceeded",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    413: "Payload too large",
    422: "Validation error",
    429: "Too many requests",
    503: "Service unavailable",
}


ERROR_BODY_REF = {"$ref": "#/components/schemas/ErrorBody"}


def error_responses(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the errors a route can answer with.

    A reference to the one `ErrorBody` schema (which `create_app` adds to the document),
    not `model=ErrorBody`: FastAPI builds a validator per route per status for a model,
    dozens per group at cold start, only to document the same body.
    """
    return {
        code: {
            "description": _STATUS_TEXT.get(code, "Error"),
            "content": {"application/json": {"schema": ERROR_BODY_REF}},
        }
        for code in status_codes
    }


def error_body_schema() -> dict[str, Any]:
    return ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")


def request_id_of(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", "-"))


def error_response(
    request: Request, status_code: int, detail: Any, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"detail": detail, "request_id": request_id_of(request)}
    return JSONResponse(body, status_code=status_code, headers=headers)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return error_response(request, exc.status_code, exc.detail, exc.headers)


def _allowed_methods(request: Request) -> str:
    """Every method of the resource at this path (the router names only the first route's).

    Only the most specific templates count: `/agents/config` is its own resource, whose
    methods are those of `/agents/config`, not also those of `/agents/{agent_id}` (an agent
    named "config" cannot exist), which is what the document says of the path.
    """
    scope = {**request.scope, "method": "\x00"}  # a method no route has: every match is partial
    by_parameters: dict[int, set[str]] = {}
    for route in request.app.routes:
        if isinstance(route, APIRoute) or not hasattr(route, "effective_candidates"):
            candidates = [route]
        else:
            candidates = _flatten_included(route)
        for candidate in candidates:
            match, _ = candidate.matches(scope)
            if match is Match.PARTIAL:
                parameters = len(getattr(candidate, "param_convertors", None) or ())
                methods = by_parameters.setdefault(parameters, set())
                methods |= set(getattr(candidate, "methods", None) or ())
    return ", ".join(sorted(by_parameters[min(by_parameters)])) if by_parameters else ""


def _flatten_included(route: Any) -> list[Any]:
    found: list[Any] = []
    for candidate in route.effective_candidates():
        if hasattr(candidate, "effective_candidates"):
            found += _flatten_included(candidate)
        else:
            found.append(candidate)
    return found


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    detail = (
        _STATUS_TEXT.get(exc.status_code, exc.detail)
        if exc.detail in ("Not Found", "Method Not Allowed")
        else exc.detail
    )
    return error_response(request, exc.status_code, detail, headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # The submitted values are left out: a rejected body may hold a password or a token.
    errors = [
        {key: value for key, value in error.items() if key not in ("input", "url")}
        for error in exc.errors()
    ]
    return error_response(request, 422, jsonable_encoder(errors))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", extra={"path": request.url.path})
    return error_response(request, 500, "Internal server error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)

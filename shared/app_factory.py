"""Builds a route group's FastAPI app: the same kernel for every group."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from shared import fastapi_compat
from shared.errors import (
    Forbidden,
    error_body_schema,
    error_response,
    error_responses,
    install_error_handlers,
)
from shared.middleware import KernelMiddleware
from shared.settings import get_settings

API_V1 = "/api/v1"

fastapi_compat.install()


class GroupApp(FastAPI):
    """FastAPI with the kernel middleware outside Starlette's error middleware."""

    root_aliases: frozenset[str] = frozenset()
    root_prefixes: tuple[str, ...] = ()

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            document = super().openapi()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.setdefault("ErrorBody", error_body_schema())
            _declare_kernel_answers(document, get_settings().max_body_bytes)
        return self.openapi_schema or super().openapi()

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()
        return KernelMiddleware(  # type: ignore[return-value]
            inner,  # type: ignore[arg-type]
            max_body_bytes=get_settings().max_body_bytes,
            root_aliases=self.root_aliases,
            root_prefixes=self.root_prefixes,
        )


def _declare_kernel_answers(document: dict[str, Any], max_body_bytes: int) -> None:
    """Declare what the kernel answers before a route runs, so the document tells the
    truth without every route repeating it: a body that is not UTF-8 (400, FastAPI's
    parser) and a body over the cap (413, `KernelMiddleware`)."""
    kernel = error_responses(400, 413)
    kernel[400]["description"] = "The request body is not text in UTF-8 (FastAPI cannot decode it)"
    kernel[413]["description"] = f"The request body is over {max_body_bytes} bytes"
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" not in operation:
                continue
            responses = operation.setdefault("responses", {})
            for status, answer in kernel.items():
                responses.setdefault(str(status), answer)


def create_app(
    group: str,
    *routers: APIRouter,
    root_aliases: tuple[str, ...] = (),
    root_prefixes: tuple[str, ...] = (),
) -> FastAPI:
    """One group's app: the `routers`' routes are served under /api/v1 and, through the
    kernel middleware's path rewrite, under /api; `root_aliases` are root paths served by
    the route of the same name under /api/v1 (health's `/healthz`, say), and every path
    under one of `root_prefixes` (`/ai-market`: a protocol that fixes its own root paths)
    by the route of the same path under /api/v1.

    The routes are added to the app itself, not included as routers: FastAPI 0.165
    matches an included router's routes through a wrapper per route, ~13 us of a ~160 us
    warm request (measured), and twice when routers nest.

    The group's own OpenAPI and docs routes are off: ``/openapi.json`` is one merged
    document for every group, served by the health group.

    A 403 answered to a caller the auth dependency named is recorded for its team first
    (shared.denials; seed 001's GET /permissions).
    """
    settings = get_settings()
    app = GroupApp(
        title=f"Software Factory API: {group}",
        version=settings.version,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.root_aliases = frozenset(root_aliases)
    app.root_prefixes = tuple(f"/{prefix}" for prefix in root_prefixes)
    install_error_handlers(app)
    app.add_exception_handler(Forbidden, _forbidden_answer)
    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_allow_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "X-Request-Id",
                "Idempotency-Key",
                "X-Agent-Token",
                "X-Admin-Key",
            ],
            expose_headers=["X-Request-Id", "Retry-After"],
            max_age=600,
        )
    for router in routers:
        _add_routes(app, router)
    return app


async def _forbidden_answer(request: Request, exc: Exception) -> Response:
    """A 403, once the auth dependency's denial recorder (if it ran) has recorded it."""
    assert isinstance(exc, Forbidden)
    recorder = getattr(request.state, "denial_recorder", None)
    if recorder is not None:
        await run_in_threadpool(recorder, request, exc.detail)
    return error_response(request, exc.status_code, exc.detail, exc.headers)


def group_router(**options: Any) -> APIRouter:
    """A router for a group's routes: each route is built once, with its /api/v1 path."""
    return APIRouter(prefix=API_V1, **options)


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """`router`'s routes, as routes of `app` itself (what `include_router` did before
    FastAPI made inclusion lazy), without building them again: that would cost ~0.5 ms
    per route at cold start."""
    if router.prefix != API_V1:
        raise ValueError("build a group's routers with group_router(): routes under /api/v1")
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r}: only API routes are served by a group")
        # Starlette's router matches over this list as it is, on every request.
        app.router.routes.append(route)

"""Routes are `async def`; a plain `def` route is an exception written down with its reason.

FastAPI runs a `def` route in its thread pool: a hop that costs about 3x at p50 and 15x at
p99 through Mangum (../shared/ARCHITECTURE.md), for nothing in Lambda, where an instance
serves one request at a time. The walk reads every registered route of every group, so a
route added later is held to this without touching the file.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts

from functions.registry import GROUPS

# Argon2id hashing or verifying a password is tens of ms of CPU (35 ms measured here, more
# with the memory sized to a function) that argon2-cffi runs without the GIL. In the thread
# pool it leaves the event loop free, so `make dev`'s one process keeps answering other
# requests meanwhile; the hop is noise beside the hash. docs/architecture.md says the same.
ARGON2 = "hashes or verifies a password (argon2id): kept off the event loop"
SYNC_ALLOWED = {
    "POST /api/v1/auth/register": ARGON2,
    "POST /api/v1/auth/login": ARGON2,
    "POST /api/v1/auth/change-password": ARGON2,
    "POST /api/v1/auth/mfa/disable": ARGON2,
    "POST /api/v1/customer/register": ARGON2,
    "POST /api/v1/customer/login": ARGON2,
}


def _walk(app: Any) -> Iterator[tuple[str, Any]]:
    """('METHOD /api/v1/path', endpoint) for every route registered on `app`."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path:
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield f"{method} {context.path}", route.endpoint


def _sync(walked: Iterable[tuple[str, Any]]) -> set[str]:
    return {
        operation for operation, endpoint in walked if not inspect.iscoroutinefunction(endpoint)
    }


ENDPOINTS = {
    operation: endpoint
    for group in GROUPS
    for operation, endpoint in _walk(importlib.import_module(group.app_module).app)
}


def test_the_walk_sees_every_group() -> None:
    # Given the registry; then each group contributes routes, the allowed ones included.
    assert len(ENDPOINTS) > 100
    assert set(SYNC_ALLOWED) <= set(ENDPOINTS)


def test_every_route_is_async_or_an_explained_exception() -> None:
    unexplained = sorted(_sync(ENDPOINTS.items()) - set(SYNC_ALLOWED))
    assert unexplained == [], (
        "make these routes `async def`, or add them to SYNC_ALLOWED with the reason "
        "(and say it in docs/architecture.md)"
    )


def test_the_allow_list_holds_only_sync_routes() -> None:
    # An exception that became async is taken off the list, so the list stays true.
    assert sorted(set(SYNC_ALLOWED) - _sync(ENDPOINTS.items())) == []


def test_a_planted_sync_route_is_caught() -> None:
    # Given a `def` route registered on a group's app; then the walk reports it.
    app = importlib.import_module("functions.health.app").app
    before = len(app.router.routes)

    @app.get("/api/v1/planted-sync")
    def planted() -> dict[str, str]:
        return {}

    try:
        assert "GET /api/v1/planted-sync" in _sync(_walk(app))
    finally:
        del app.router.routes[before:]

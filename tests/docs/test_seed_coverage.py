"""docs/seed-coverage.md against the merged OpenAPI document: every route a row names is
served, a `same` row really is the seed's method and path, and every other row says why.
The table is what tells a client of a seed's system where each endpoint went; this keeps
it from drifting as routes are added, renamed or removed."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from functions.health.openapi import build_openapi
from functions.registry import GROUPS

DOC = Path(__file__).resolve().parents[2] / "docs" / "seed-coverage.md"
API_V1 = "/api/v1"
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

# Each seed's own base, dropped from its paths before a `same` row is compared with ours
# (a seed path outside its base, seed 001's `/health` say, is compared as it is).
SEED_BASES: dict[str, tuple[str, ...]] = {
    "000": ("/api/v1", "/api"),
    "001": ("/api",),
    "002": (),
    "003": ("/api/v1",),
    "004": ("/api/v1",),
}
KINDS = {"same", "differs", "outside OpenAPI", "no route", "issue 17"}
PENDING_MARK = "pending (issue 16)"

# Routes the table names that are still being added and that the document does not hold
# yet, each also marked "pending (issue 16)" in its row. Explicit so that nothing passes
# by being missing; empty at the end of issue 16 (checked at 23:20 UTC: every route the
# tables name is served). A route listed here that is served fails the test until it
# leaves the list (and its row's mark goes).
PENDING_ROUTES: frozenset[tuple[str, str]] = frozenset()

Route = tuple[str, str]
_CODE = re.compile(r"`([A-Z]+) (/[^`]*)`")
_SEED_HEADING = re.compile(r"^## Seed (\d{3})\b")


@dataclass(frozen=True)
class Row:
    seed: str
    line: int
    endpoint: str
    routes: tuple[Route, ...]
    kind: str
    reason: str

    def where(self) -> str:
        return f"seed-coverage.md:{self.line} ({self.endpoint})"


def _routes_in(cell: str) -> tuple[Route, ...]:
    return tuple((method, path) for method, path in _CODE.findall(cell))


def _parse(text: str) -> Iterator[Row]:
    seed: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        heading = _SEED_HEADING.match(line)
        if heading:
            seed = heading.group(1)
            continue
        if line.startswith("## "):
            seed = None
        if seed is None or not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == "seed endpoint" or set(cells[0]) <= {"-", " "}:
            continue
        assert len(cells) == 4, f"seed-coverage.md:{number}: 4 cells, not {len(cells)}"
        endpoint, route_cell, kind, reason = cells
        routes = _routes_in(route_cell)
        # The route cell is a list of routes or a dash: nothing else can hide in it.
        rebuilt = "; ".join(f"`{method} {path}`" for method, path in routes) or "—"
        assert route_cell == rebuilt, f"seed-coverage.md:{number}: route cell {route_cell!r}"
        yield Row(seed, number, endpoint, routes, kind, reason)


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return list(_parse(DOC.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_openapi()


@pytest.fixture(scope="module")
def documented(document: dict[str, Any]) -> set[Route]:
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method.upper() in HTTP_METHODS
    }


@pytest.fixture(scope="module")
def served_unlisted(document: dict[str, Any]) -> set[Route]:
    """Routes the groups serve but leave out of the document (built after it, so every
    group's app is already imported)."""
    served: set[Route] = set()
    for group in GROUPS:
        app = importlib.import_module(group.app_module).app
        for route in app.routes:
            if isinstance(route, APIRoute) and not route.include_in_schema:
                served |= {(method, route.path) for method in route.methods or ()}
    return served


def _shape(relative: str) -> str:
    """A path with its parameters anonymous and no trailing slash."""
    return re.sub(r"\{[^}]*\}", "{}", relative.rstrip("/"))


def _seed_relative(seed: str, path: str) -> str:
    for base in SEED_BASES[seed]:
        if path == base or path.startswith(base + "/"):
            return path[len(base) :]
    return path


def _ours_relative(path: str) -> str:
    assert path == API_V1 or path.startswith(API_V1 + "/"), f"{path}: not under {API_V1}"
    return path[len(API_V1) :]


def test_every_seed_has_its_table_and_each_endpoint_one_row(rows: list[Row]) -> None:
    assert sorted({row.seed for row in rows}) == sorted(SEED_BASES)
    for seed in SEED_BASES:
        endpoints = [row.endpoint for row in rows if row.seed == seed]
        repeated = {endpoint for endpoint in endpoints if endpoints.count(endpoint) > 1}
        assert not repeated, f"seed {seed}: more than one row for {sorted(repeated)}"


def test_each_row_has_a_known_kind_and_the_routes_and_reason_it_needs(rows: list[Row]) -> None:
    problems: list[str] = []
    for row in rows:
        if row.kind not in KINDS:
            problems.append(f"{row.where()}: kind {row.kind!r} is not one of {sorted(KINDS)}")
            continue
        if row.kind != "same" and not row.reason:
            problems.append(f"{row.where()}: a {row.kind!r} row says why")
        if row.kind == "same" and len(row.routes) != 1:
            problems.append(f"{row.where()}: a `same` row names exactly one route")
        if row.kind in {"differs", "outside OpenAPI"} and not row.routes:
            problems.append(f"{row.where()}: a {row.kind!r} row names the route that serves it")
        if row.kind in {"no route", "issue 17"} and row.routes:
            problems.append(f"{row.where()}: a {row.kind!r} row names no route of ours")
        if row.kind == "issue 17" and row.seed != "000":
            problems.append(f"{row.where()}: issue 17 delivers seed 000's rows only")
    assert not problems, "\n".join(problems)


def test_every_route_named_is_served(
    rows: list[Row], documented: set[Route], served_unlisted: set[Route]
) -> None:
    problems: list[str] = []
    for row in rows:
        for route in row.routes:
            if row.kind == "outside OpenAPI":
                if route in documented:
                    problems.append(f"{row.where()}: {route} is in the document: not outside it")
                elif route not in served_unlisted:
                    problems.append(f"{row.where()}: no group serves {route}")
            elif route not in documented and route not in PENDING_ROUTES:
                problems.append(f"{row.where()}: {route} is not in the OpenAPI document")
        # A route a reason names (as `METHOD /api/v1/...`) is held to the same standard.
        for route in _routes_in(row.reason):
            if route[1].startswith(API_V1) and not (
                route in documented or route in served_unlisted or route in PENDING_ROUTES
            ):
                problems.append(f"{row.where()}: its reason names {route}, which is not served")
    assert not problems, "\n".join(problems)


def test_a_same_row_is_the_seeds_own_method_and_path(rows: list[Row]) -> None:
    problems: list[str] = []
    for row in rows:
        if row.kind != "same" or len(row.routes) != 1:
            continue
        seed_route = _CODE.fullmatch(row.endpoint)
        if seed_route is None:
            problems.append(f"{row.where()}: a `same` row's seed endpoint is `METHOD /path`")
            continue
        method, path = row.routes[0]
        seed_shape = (seed_route.group(1), _shape(_seed_relative(row.seed, seed_route.group(2))))
        if seed_shape != (method, _shape(_ours_relative(path))):
            problems.append(f"{row.where()}: {method} {path} is not the seed's: say why (differs)")
    assert not problems, "\n".join(problems)


def test_pending_routes_are_named_missing_and_marked(
    rows: list[Row], documented: set[Route]
) -> None:
    named = {route for row in rows for route in row.routes}
    shapes = {(method, _shape(path)): (method, path) for method, path in documented}
    problems: list[str] = []
    for route in sorted(PENDING_ROUTES):
        if route not in named:
            problems.append(f"PENDING_ROUTES holds {route}, which no row names: drop it")
        elif route in documented:
            problems.append(f"{route} is served now: drop it from PENDING_ROUTES and its mark")
        elif (route[0], _shape(route[1])) in shapes:
            served = shapes[(route[0], _shape(route[1]))]
            problems.append(
                f"{route} is served as {served}: name it so in the table, drop it from "
                "PENDING_ROUTES and its row's mark"
            )
    for row in rows:
        pending = any(route in PENDING_ROUTES for route in row.routes)
        marked = row.reason.startswith(PENDING_MARK)
        if pending != marked:
            problems.append(
                f"{row.where()}: a row whose route is pending starts its reason with "
                f"{PENDING_MARK!r}, and only such a row"
            )
    assert not problems, "\n".join(problems)

from __future__ import annotations

import importlib.util

from functions.registry import GROUPS, HEALTH, RouteGroup, group_for_path


def test_a_prefixed_group_is_routed_under_both_bases() -> None:
    group = RouteGroup(name="jobs", description="jobs", prefixes=("jobs", "projects"))

    assert group.route_paths() == (
        "/api/v1/jobs",
        "/api/v1/jobs/{proxy+}",
        "/api/v1/projects",
        "/api/v1/projects/{proxy+}",
        "/api/jobs",
        "/api/jobs/{proxy+}",
        "/api/projects",
        "/api/projects/{proxy+}",
    )
    assert group.claims("/api/v1/jobs/01J/phases")
    assert group.claims("/api/jobs")
    assert not group.claims("/api/v1/jobsearch")


def test_unclaimed_paths_go_to_the_default_group() -> None:
    assert group_for_path("/api/v1/nothing-here") is HEALTH
    assert group_for_path("/readyz") is HEALTH


def test_the_most_specific_route_wins_as_on_api_gateway() -> None:
    admin = RouteGroup(name="auth", description="auth", prefixes=("admin",))
    fleet = RouteGroup(name="fleet", description="fleet", prefixes=("admin/workers",))

    assert admin.match_length("/api/v1/admin/workers/7/approve") == len("/api/v1/admin")
    assert fleet.match_length("/api/v1/admin/workers/7/approve") == len("/api/v1/admin/workers")
    assert fleet.match_length("/api/v1/admin/users") is None


def test_a_root_prefix_is_routed_outside_the_api_bases() -> None:
    market = RouteGroup(
        name="market", description="market", prefixes=("offers",), root_prefixes=("ai-market",)
    )

    assert market.route_paths() == (
        "/api/v1/offers",
        "/api/v1/offers/{proxy+}",
        "/api/offers",
        "/api/offers/{proxy+}",
        "/ai-market",
        "/ai-market/{proxy+}",
    )
    assert market.match_length("/ai-market/manifest") == len("/ai-market")
    assert market.match_length("/api/v1/ai-market/manifest") is None


def test_exactly_one_default_group_and_no_path_claimed_twice() -> None:
    assert sum(group.default_route for group in GROUPS) == 1
    seen: dict[str, str] = {}
    for group in GROUPS:
        for path in group.route_paths():
            assert path not in seen, f"{path} routed to {seen.get(path)} and {group.name}"
            seen[path] = group.name


def test_every_group_has_its_app_and_handler_modules() -> None:
    for group in GROUPS:
        assert importlib.util.find_spec(group.app_module) is not None
        assert importlib.util.find_spec(group.handler.rsplit(".", 1)[0]) is not None


def test_no_function_imports_another_functions_package() -> None:
    # Each function is deployed with its own package only (infra/packaging.py): an import
    # of another function's code works locally and fails in Lambda.
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "functions"
    for package in sorted(p for p in root.iterdir() if (p / "__init__.py").exists()):
        allowed = (f"functions.{package.name}", "functions.registry")
        for source in package.rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text())):
                names = (
                    [alias.name for alias in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                for name in names:
                    if name.startswith("functions.") or name == "functions":
                        assert name.startswith(allowed) or name == "functions", (
                            f"{source.relative_to(root.parent)} imports {name}"
                        )

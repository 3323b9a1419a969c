"""The event-type catalog (GET /webhooks/event-types) holds every type the code publishes.

The code is read, not run: every call that puts an event on the bus (`publish(type, ...)`
and the job lifecycle's `record(job, type, ...)`) is found in shared/ and functions/, and
its type resolved (a literal, a module constant, the values of a constant mapping). A
type built at run time must be reviewed below with the types it can make.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from shared.webhooks import catalog

ROOT = Path(__file__).resolve().parents[2]

# Reviewed: calls whose type is built at run time, and every type each can make.
DYNAMIC: dict[str, set[str]] = {
    # f"job.{status}" for the statuses the reconciler settles a job in ("passed" is
    # published as job.completed).
    "functions.reconciler.service": {"job.failed", "job.cancelled", "job.completed"},
    # A run's settle: failed if a step failed, else completed.
    "shared.workflows.runs": {"workflow.run.failed", "workflow.run.completed"},
}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _type_argument(call: ast.Call, module_name: str) -> ast.expr | None:
    """The event type's argument of a call that publishes one, else None: `publish(type)`,
    `events.publish(type)`, `lifecycle.record(job, type)` (`record` inside the lifecycle
    module, `_record` where a module names it so)."""
    func = call.func
    owner = None
    if isinstance(func, ast.Attribute):
        name = func.attr
        owner = func.value.id if isinstance(func.value, ast.Name) else None
    else:
        name = getattr(func, "id", "")
    in_lifecycle = module_name == "shared.jobs.lifecycle"
    if name == "publish" and owner in (None, "events"):
        index = 0
    elif name == "_record" or (name == "record" and (owner == "lifecycle" or in_lifecycle)):
        index = 1
    else:
        return None
    return call.args[index] if len(call.args) > index else None


def published_types() -> tuple[set[str], set[str]]:
    """(every type resolved, every module with a type built at run time)."""
    found: set[str] = set()
    dynamic: set[str] = set()
    for path in [*ROOT.glob("shared/**/*.py"), *ROOT.glob("functions/**/*.py")]:
        tree = ast.parse(path.read_text())
        module_name = _module_name(path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            argument = _type_argument(node, module_name)
            if argument is None:
                continue
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.add(argument.value)
            elif isinstance(argument, ast.Name):
                value = getattr(importlib.import_module(module_name), argument.id, None)
                if isinstance(value, str):
                    found.add(value)
                else:  # a parameter passed on (publish's own callers are found themselves)
                    continue
            elif isinstance(argument, ast.Subscript) and isinstance(argument.value, ast.Name):
                mapping = getattr(importlib.import_module(module_name), argument.value.id)
                found.update(mapping.values())
            else:
                dynamic.add(module_name)
    return found, dynamic


FOUND, DYNAMIC_FOUND = published_types()


def test_the_walk_finds_the_publishers() -> None:
    assert {
        "job.created",
        "job.completed",
        "approval.requested",
        "budget.threshold_crossed",
        "circuit_breaker.opened",
        "hook.received",
        "webhook.endpoint.disabled",
    } <= FOUND


@pytest.mark.parametrize("event_type", sorted(FOUND))
def test_every_published_type_is_in_the_catalog(event_type: str) -> None:
    assert event_type in catalog.TYPES, (
        f"{event_type} is published but not in shared/webhooks/catalog.py: add it with a "
        "description and a sample"
    )


def test_every_type_built_at_run_time_is_reviewed_and_in_the_catalog() -> None:
    assert set(DYNAMIC) == DYNAMIC_FOUND, "review the new dynamic publisher in DYNAMIC"
    for types in DYNAMIC.values():
        assert types <= catalog.TYPES


def test_the_catalog_has_the_webhook_types_and_a_sample_for_each() -> None:
    assert {"webhook.test", "webhook.endpoint.disabled", "hook.received"} <= catalog.TYPES
    assert len(catalog.TYPES) == len(catalog.EVENT_TYPES)  # no type listed twice
    for event in catalog.EVENT_TYPES:
        assert event.description
        assert event.sample["team_id"]

"""What the workflows state machine asks of a step (shared.workflows.asl), by `action`."""

from __future__ import annotations

from typing import Any

from shared.workflows import runs


def handle(event: dict[str, Any]) -> dict[str, Any]:
    action, team_id, run_id = event["action"], event["team_id"], event["run_id"]
    if action == "settle":
        runs.settle(team_id, run_id)
        return {}
    step_id = event["step_id"]
    if action == "await":
        runs.await_step(team_id, run_id, step_id, event["task_token"])
    elif action == "start":
        runs.start_step(team_id, run_id, step_id, event["task_token"])
    elif action == "passed":
        runs.step_passed(team_id, run_id, step_id, event.get("output"))
    elif action == "failed":
        runs.step_failed(team_id, run_id, step_id, dict(event.get("error") or {}))
    else:
        raise ValueError(f"unknown workflow step action {action!r}")
    return {}

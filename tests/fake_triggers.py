"""What the tests that fire triggers share: the trigger's action answered without jobs, and
the removal of the triggers' schedules a test leaves in emulated AWS."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from shared.aws import client
from shared.settings import get_settings
from shared.triggers import runner
from shared.triggers.actions import ActionResult


@dataclass
class FakeActions:
    """run_action and is_running as shared.triggers.actions answers them, without jobs."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    running: set[str] = field(default_factory=set)
    fail: str | None = None

    def run_action(
        self, team_id: str, owner_id: str | None, action: Any, event: Any, **kw: Any
    ) -> ActionResult:
        self.calls.append({"team_id": team_id, "owner_id": owner_id, "event": event, **kw})
        if self.fail:
            return ActionResult.failed(self.fail)
        job_id = f"JOB{len(self.calls):04d}"
        self.running.add(job_id)
        return ActionResult("started", job_id=job_id)

    def is_running(self, team_id: str, job_id: str | None) -> bool:
        return job_id in self.running


def fake_actions(monkeypatch: pytest.MonkeyPatch) -> FakeActions:
    """A FakeActions the trigger runner uses for the rest of the test."""
    fake = FakeActions()
    monkeypatch.setattr(runner, "_run_action", lambda: fake.run_action)
    monkeypatch.setattr(runner, "_is_running", lambda: fake.is_running)
    return fake


def remove_trigger_schedules() -> None:
    """Every trigger's schedule goes with its test: a later test driving the clock ahead
    and pumping would otherwise fire it."""
    scheduler = client("scheduler")
    group = get_settings().schedule_group_name
    listed = scheduler.list_schedules(GroupName=group, NamePrefix="trigger-")
    for schedule in listed["Schedules"]:
        scheduler.delete_schedule(GroupName=group, Name=schedule["Name"])

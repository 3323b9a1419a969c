"""Generation jobs run for real: the local state machine, the pipeline worker, the
template generator, emulated DynamoDB, S3 and EventBridge."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from functions.jobs.schemas import JobCreate
from functions.jobs.service import create_job
from shared.auth.principal import Principal, Role
from shared.jobs import store
from shared.jobs.domain import Job
from shared.llm.types import Completion, CompletionRequest, Pricing
from shared.pagination import PageParams

pytestmark = pytest.mark.usefixtures("aws")


def wait_for(
    team_id: str, job_id: str, predicate: Callable[[Job], bool], seconds: float = 60
) -> Job:
    deadline = time.monotonic() + seconds
    while True:
        job = store.get_job(team_id, job_id)
        if predicate(job):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job stayed {job.status} at {job.current_phase}")
        time.sleep(0.05)


def event_types(team_id: str, job_id: str) -> list[str]:
    events, _, _ = store.list_events(team_id, job_id, PageParams(limit=100))
    return [event.type for event in events]


def finished(job: Job) -> bool:
    return job.status in ("passed", "failed", "cancelled")


def reviewer(team_id: str, subject: str = "reviewer-1", role: Role = "member") -> Principal:
    """Who decides an approval in these tests."""
    return Principal(subject=subject, team_id=team_id, role=role)


def start_job(team_id: str, **fields: Any) -> Job:
    request = JobCreate.model_validate(
        {"name": "Todo list", "platform": "web", "features": "notes, reminders", **fields}
    )
    return create_job(team_id, "user-1", request)


@dataclass
class ScriptedProvider:
    """A model stand-in: the template generator's text (with the pipeline's renderer), the
    token counts and prices a model would have, scripted failures, holds and a record of
    every request."""

    fail_once: dict[str, Exception] = field(default_factory=dict)
    fail_always: dict[str, Exception] = field(default_factory=dict)
    replace_text: dict[str, str] = field(default_factory=dict)
    hold: dict[str, threading.Event] = field(default_factory=dict)
    reached: dict[str, threading.Event] = field(default_factory=dict)
    requests: list[CompletionRequest] = field(default_factory=list)
    name: str = "templates"
    kind: str = "templates"
    tokens_in: int = 1_000
    tokens_out: int = 2_000

    def complete(self, request: CompletionRequest) -> Completion:
        from functions.pipeline.targets.generator import render
        from shared.llm.providers.templates import TemplateProvider

        phase = request.task.phase if request.task else ""
        self.requests.append(request)
        if phase in self.reached:
            self.reached[phase].set()
        if phase in self.hold:
            self.hold[phase].wait(10)
        if phase in self.fail_once:
            raise self.fail_once.pop(phase)
        if phase in self.fail_always:
            raise self.fail_always[phase]
        completion = TemplateProvider(renderer=render).complete(request)
        text = self.replace_text.get(phase, completion.text)
        return Completion(
            text, completion.model, completion.provider, self.tokens_in, self.tokens_out
        )

    def pricing(self, model: str) -> Pricing:
        return Pricing(input_per_million=1.0, output_per_million=2.0)


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedProvider]:
    scripted = ScriptedProvider()
    # Every provider name a team's router looks up answers with the scripted provider.
    monkeypatch.setattr("shared.llm.team_router.client_for", lambda team, name, read=None: scripted)
    yield scripted
    for event in scripted.hold.values():
        event.set()

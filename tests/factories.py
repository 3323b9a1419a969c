"""Helpers more than one test module uses: accounts and error checks for the API
tests, specs and generated trees for the pipeline's, started jobs and a scripted provider
for the workflows', the fake key the provider tests hide. Fixtures stay in each folder's
conftest.py; what a test imports comes from here."""

from __future__ import annotations

import io
import itertools
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fastapi.testclient import TestClient

from functions.jobs.schemas import JobCreate
from functions.jobs.service import create_job
from functions.pipeline.targets.generator import render
from shared import artifacts
from shared.auth.principal import Principal, Role
from shared.ids import new_id, utcnow
from shared.jobs import store
from shared.jobs.domain import Job
from shared.llm.files import parse_files
from shared.llm.providers.templates import MODEL, TemplateProvider
from shared.llm.types import Completion, CompletionRequest, Message, PhaseTask, Pricing
from shared.pagination import PageParams
from shared.pipeline.spec import JobSpec

# --- from api tests ---


class ScanGuard:
    def __init__(self) -> None:
        self.in_flight = 0
        self.violations: list[str] = []


ADMIN_KEY = "test-admin-key-0123456789"


STRONG_PASSWORD = "correct horse battery staple"


class Account:
    """A registered, signed-in person: their client, credentials and ids."""

    def __init__(self, client: TestClient, email: str, password: str, tokens: dict[str, Any]):
        self.client = client
        self.email = email
        self.password = password
        self.tokens = tokens
        me = client.get("/api/v1/auth/me", headers=self.headers).json()
        self.user_id: str = me["id"]
        self.team_id: str = me["team_id"]
        self.role: str = me["role"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}


def make_agent(account: Account, name: str = "Writer", **changes: Any) -> str:
    """One of the account's team's agents on the built-in template provider: its id."""
    answer = account.client.post(
        "/api/v1/agents",
        headers=account.headers,
        json={
            "name": name,
            "role": "writer",
            "llm_provider": "templates",
            "llm_model": MODEL,
            **changes,
        },
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def assert_error(answer: Any, status: int) -> None:
    """`answer` is the error `status` with the body every error has."""
    assert answer.status_code == status, answer.text
    assert set(answer.json()) == {"detail", "request_id"}


# A code agent that counts the words of `text`, with its input and output schemas.
WORD_COUNT_RUN = (
    "def run(input_dict, tools):\n    return {'count': len(input_dict['text'].split())}\n"
)
WORD_COUNT_INPUT = {
    "type": "object",
    "properties": {"text": {"type": "string"}},
    "required": ["text"],
}
WORD_COUNT_OUTPUT = {
    "type": "object",
    "properties": {"count": {"type": "integer"}},
    "required": ["count"],
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


_customer_numbers = itertools.count(1)


def new_customer(client: TestClient, prefix: str = "buyer") -> dict[str, str]:
    """A new storefront customer's Authorization header (an account of the storefront, not
    a team user)."""
    answer = client.post(
        "/api/v1/customer/register",
        json={
            "email": f"{prefix}-{next(_customer_numbers)}@example.com",
            "password": STRONG_PASSWORD,
        },
    )
    assert answer.status_code == 201, answer.text
    return bearer(answer.json()["access_token"])


# --- from llm tests ---

# Distinctive, so a test can prove it appears nowhere it should not.
API_KEY = "sk-fake-7Qm2Vx9Lr4Tz8Kb1Np6Hd3Wc"


# Generous for loopback; the timeout tests build their providers with a short read timeout.
READ_TIMEOUT = 5.0


def assert_key_hidden(error: BaseException) -> None:
    """The API key is in no part of an error a caller could print or log."""
    seen: BaseException | None = error
    while seen is not None:
        for shown in (str(seen), repr(seen), *map(repr, seen.args)):
            assert API_KEY not in shown
        seen = seen.__cause__ or seen.__context__


# --- from pipeline tests ---

TARGETS = ("web", "python-api", "flutter")


# The platform that selects each target.
PLATFORM = {"web": "web", "python-api": "python-api", "flutter": "android"}


NAME = 'Notes "Pro"'


# Quotes, a script tag and interpolation syntax of every language we generate.
DESCRIPTION = "Keep \"quoted\" notes <script>alert('x')</script> for ${user} and $name, {{ok}}."


FEATURES = ("auth", "notes", "user-profile")


def make_spec(target: str = "web", **overrides: Any) -> JobSpec:
    fields: dict[str, Any] = {
        "name": NAME,
        "description": DESCRIPTION,
        "platforms": (PLATFORM[target],),
        "features": ", ".join(FEATURES),
        "style": "playful",
        "slug": "notes-pro",
    }
    fields.update(overrides)
    return JobSpec(**fields)


def ask(phase: str | None, spec: JobSpec | None = None, **task: Any) -> Completion:
    """What the template generator answers for `phase` (no phase: a plain chat)."""
    request = CompletionRequest(
        model=MODEL,
        messages=(Message("system", "You are a phase agent."), Message("user", f"Do {phase}.")),
        task=None if phase is None or spec is None else PhaseTask(phase, spec.model_dump(), **task),
    )
    return TemplateProvider(renderer=render).complete(request)


def generate(spec: JobSpec, **task: Any) -> dict[str, str]:
    return parse_files(ask("dev", spec, **task).text)


@cache
def _generated(target: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(generate(make_spec(target)).items()))


def generated(target: str) -> dict[str, str]:
    """The default spec's tree for `target` (generated once, a fresh dict each call)."""
    return dict(_generated(target))


def repaired(spec: JobSpec, files: dict[str, str], findings: list[Any]) -> dict[str, str]:
    """`files` with the repair phase's answer applied, as the pipeline applies it."""
    answer = ask("repair", spec, files=files, findings=tuple(f.to_dict() for f in findings))
    return {**files, **parse_files(answer.text)}


# --- from workflow tests ---


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


# --- stored jobs ---


def make_job(team_id: str, slug: str, **changes: Any) -> Job:
    now = utcnow()
    spec = JobSpec(name=f"App {slug}", platforms=("web",), features=("notes",), slug=slug)
    return Job(
        id=new_id(),
        team_id=team_id,
        slug=slug,
        spec=spec,
        created_at=now,
        updated_at=now,
        **changes,
    )


_job_numbers = itertools.count(1)


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return buffer.getvalue()


def passed_job(
    team_id: str,
    *,
    tree: dict[str, str] | None = None,
    warnings: int = 0,
    status: str = "passed",
    exported: bool = True,
) -> str:
    """A job of the team in `status`, with its tree, checks and (by default) its export."""
    slug = f"shop-{next(_job_numbers)}"
    job = store.create_job(make_job(team_id, slug, status=status))
    files = tree or {"README.md": "# Notes\n", "app/main.py": "print('hi')\n"}
    artifacts.save_tree(team_id, job.id, files)
    artifacts.save_report(team_id, job.id, "qa", {"errors": 0, "warnings": warnings})
    if exported:
        artifacts.save_export(team_id, job.id, slug, _zip(files))
    return job.id

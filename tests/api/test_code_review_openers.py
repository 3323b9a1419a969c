"""What opens a code review, once: a task whose result holds code (through the task
runner, however often its message is delivered) and a job's reviewer phase (however often
the phase runs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.errors import ServiceUnavailable
from shared.llm.types import Completion, CompletionRequest, Pricing
from tests.api.test_code_reviews_api import CODE
from tests.api.test_tasks_api import add_task, make_agent, task_of
from tests.factories import Account, generated, make_job

REVIEWS = "/api/v1/code-reviews"


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


class Coder:
    """A provider whose every answer is code in fenced blocks."""

    name = kind = "templates"

    def complete(self, request: CompletionRequest) -> Completion:
        return Completion(CODE, request.model, "templates", 120, 80)

    def pricing(self, model: str) -> Pricing:
        return Pricing()


def opened(published: list[tuple[str, dict[str, Any]]], review_id: str) -> int:
    return sum(
        1 for kind, d in published if kind == "code_review.opened" and d["review_id"] == review_id
    )


def test_a_task_with_code_opens_one_review_however_often_its_message_comes(
    admin: Account,
    pump: Any,
    monkeypatch: pytest.MonkeyPatch,
    published: list[tuple[str, dict[str, Any]]],
) -> None:
    from shared.approvals import review_store
    from shared.llm import team_router
    from shared.tasks import runs

    monkeypatch.setattr(team_router, "client_for", lambda *args, **kwargs: Coder())
    agent_id = make_agent(admin)
    task_id = add_task(admin, agent_id=agent_id).json()["id"]
    # The first delivery's review write fails after the task completed: the consumer
    # raises, so SQS would deliver the message again.
    real = review_store.create_review
    failures = iter([ServiceUnavailable("Storage is unavailable; try again shortly")])

    def failing_once(*args: Any, **kwargs: Any) -> bool:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(*args, **kwargs)

    monkeypatch.setattr(review_store, "create_review", failing_once)
    with pytest.raises(ServiceUnavailable):
        runs.run_task(admin.team_id, task_id)
    assert task_of(admin, task_id)["status"] == "completed"
    assert admin.client.get(REVIEWS, headers=admin.headers).json()["total"] == 0

    # The redelivery opens it; every later one finds it opened.
    for _ in range(3):
        again = runs.run_task(admin.team_id, task_id)
        assert again is not None
        assert again.status == "completed"
    pump.drain()  # the message POST /tasks queued: one more delivery

    page = admin.client.get(REVIEWS, headers=admin.headers, params={"agent_id": agent_id}).json()
    assert page["total"] == 1
    [review] = page["items"]
    assert review["id"] == f"task{task_id}"
    assert (review["source"], review["status"]) == ({"kind": "task", "id": task_id}, "open")
    assert opened(published, review["id"]) == 1
    detail = admin.client.get(f"{REVIEWS}/{review['id']}", headers=admin.headers).json()
    assert [f["path"] for f in detail["files"]] == ["app/health.py", "snippet-2.sh"]


def test_a_task_without_code_opens_none(admin: Account, pump: Any) -> None:
    task_id = add_task(admin, agent_id=make_agent(admin)).json()["id"]
    pump.drain()

    result = task_of(admin, task_id)["result"]
    assert result
    assert "```" not in result
    assert admin.client.get(REVIEWS, headers=admin.headers).json()["total"] == 0


def test_a_jobs_reviewer_phase_opens_one_review_with_its_files_and_findings(
    admin: Account, published: list[tuple[str, dict[str, Any]]]
) -> None:
    from functions.pipeline import worker
    from shared import artifacts
    from shared.jobs import store

    team = admin.team_id
    job = store.create_job(make_job(team, "field-notes"))
    artifacts.save_tree(team, job.id, generated("web"))
    finding = {
        "check": "qa.reference",
        "severity": "error",
        "path": "index.html",
        "line": 9,
        "message": "<script> points to a missing file",
    }
    artifacts.save_report(team, job.id, "qa", {"phase": "qa", "findings": [finding]})

    # The phase run twice (Step Functions retried it, or a reviewer sent it back).
    for _ in range(2):
        answer = worker.run(team, job.id, "reviewer")
        assert answer["outcome"] == "passed"

    page = admin.client.get(REVIEWS, headers=admin.headers).json()
    assert page["total"] == 1
    review_id = f"job{job.id}"
    assert opened(published, review_id) == 1
    detail = admin.client.get(f"{REVIEWS}/{review_id}", headers=admin.headers).json()
    reviewer = store.get_job(team, job.id).phase("reviewer").agent
    assert detail["agent_id"] == (reviewer.id if reviewer else None)
    assert detail["source"] == {"kind": "job", "id": job.id}
    assert detail["title"] == "App field-notes: code review"
    assert detail["summary"] == artifacts.load_documents(team, job.id)["review"]
    assert sorted(f["path"] for f in detail["files"]) == sorted(generated("web"))
    verdict, noted = detail["comments"]
    assert verdict["author"] == {"kind": "agent", "id": detail["agent_id"]}
    assert verdict["body"].startswith("**Request changes**")
    assert (noted["path"], noted["line"]) == ("index.html", 9)
    assert noted["body"] == "error (qa.reference): <script> points to a missing file"
    assert detail["comment_count"] == 2

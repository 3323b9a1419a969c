"""A job never passes by switching code off: what repair cannot fix fails the job at qa,
named, and a person's fix followed by a retry from a phase lets it pass."""

from __future__ import annotations

import pytest

from functions.approvals import service as approvals_service
from functions.jobs import service as jobs_service
from shared import artifacts
from shared.jobs.domain import Job
from shared.llm.files import render_files
from tests.factories import event_types, finished, reviewer, start_job, wait_for
from tests.workflow.conftest import pending_of

pytestmark = [pytest.mark.usefixtures("aws"), pytest.mark.slow]

BROKEN_MODULE = "def helper(:\n    return 1\n"
FIXED_MODULE = "def helper() -> int:\n    return 1\n"
FAILING_TEST = "def test_planted_by_a_reviewer() -> None:\n    assert 1 + 1 == 3\n"


def dev_approval(team: str, job_id: str) -> str:
    """The pending approval of the job's gated dev phase, once the job waits on it."""
    wait_for(team, job_id, lambda job: job.status == "waiting_approval" or finished(job))
    pending = [a for a in pending_of(team) if a.job_id == job_id and a.kind]
    assert [a.phase for a in pending] == ["dev"], pending
    return pending[0].id


def approve_dev_with(team: str, job_id: str, files: dict[str, str]) -> None:
    """A reviewer approves dev with an edited output: `files` join the generated tree."""
    approvals_service.approve(
        reviewer(team), dev_approval(team, job_id), edited_output=render_files(files)
    )


def failed_at_qa(team: str, job_id: str) -> Job:
    # The job's item and its event log are two writes; ids made in the same millisecond
    # need not sort in the order they were made, so the log is not read by position.
    done = wait_for(
        team,
        job_id,
        lambda job: finished(job) and "job.failed" in event_types(team, job_id),
        seconds=120,
    )
    assert done.status == "failed", done.error
    assert done.current_phase == "qa"
    assert done.phase("qa").status == "failed"
    assert done.phase("qa").error == done.error
    return done


def test_a_syntax_error_repair_cannot_fix_fails_the_job_at_qa_with_the_finding() -> None:
    # Given a python-api job whose dev output a reviewer edits, planting a broken module
    team = "wf-qa-syntax"
    job = start_job(team, platform="python-api", approval_gates=["dev"], max_repair_attempts=2)
    approve_dev_with(team, job.id, {"app/extra.py": BROKEN_MODULE})

    # When the job runs on through qa, repair and qa again
    done = failed_at_qa(team, job.id)

    # Then it fails at qa, naming the file, the line and the problem, after every allowed
    # repair attempt, and the module is still there as written: never commented out
    assert done.error is not None
    assert done.error.startswith("qa: 1 problem(s) left after 2 repair attempt(s) (of 2): ")
    assert "app/extra.py:1: " in done.error
    assert done.repair_attempts == 2
    assert (done.phase("repair").attempts, done.phase("qa").attempts) == (2, 3)
    assert done.phase("security").status == "pending"
    assert artifacts.load_tree(team, job.id)["app/extra.py"] == BROKEN_MODULE
    report = artifacts.load_report(team, job.id, "qa")
    assert report is not None
    assert [(f["check"], f["path"], f["line"]) for f in report["findings"]] == [
        ("qa.syntax", "app/extra.py", 1)
    ]


def test_a_failing_test_fails_the_job_at_qa_and_a_fix_then_a_retry_passes() -> None:
    # Given a reviewer's edit that plants a failing test
    team = "wf-qa-test"
    job = start_job(team, platform="python-api", approval_gates=["dev"], max_repair_attempts=1)
    approve_dev_with(team, job.id, {"tests/test_planted.py": FAILING_TEST})

    done = failed_at_qa(team, job.id)

    # Then the job fails at qa naming the test that fails, which is still in the tree
    assert done.error is not None
    assert done.error.startswith("qa: 1 problem(s) left after 1 repair attempt(s) (of 1): ")
    assert "tests/test_planted.py" in done.error
    assert "test_planted_by_a_reviewer" in done.error
    tree = artifacts.load_tree(team, job.id)
    assert tree["tests/test_planted.py"] == FAILING_TEST

    # When a person retries from dev and fixes the file in the edited output
    jobs_service.retry_job(team, job.slug, "dev")
    approve_dev_with(
        team,
        job.id,
        {
            "tests/test_planted.py": FAILING_TEST.replace("== 3", "== 2"),
            "app/extra.py": FIXED_MODULE,
        },
    )
    again = wait_for(
        team, job.id, lambda j: finished(j) and j.finished_at != done.finished_at, seconds=120
    )

    # Then the job passes with the person's files, qa clean
    assert again.status == "passed", again.error
    assert again.error is None
    assert again.phase("qa").status == "passed"
    assert again.phase("repair").status == "skipped"
    tree = artifacts.load_tree(team, again.id)
    assert tree["tests/test_planted.py"] == FAILING_TEST.replace("== 3", "== 2")
    assert tree["app/extra.py"] == FIXED_MODULE
    report = artifacts.load_report(team, again.id, "qa")
    assert report is not None
    assert report["errors"] == 0

"""A job from idea to ZIP, and every way it can go: retry, failure, cancel, approvals."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile

import pytest

from functions.approvals import service as approvals_service
from functions.jobs import service as jobs_service
from functions.pipeline.errors import PhaseFailed
from functions.reconciler.service import reconcile
from shared import artifacts
from shared.aws import client
from shared.errors import Conflict, NotFound
from shared.jobs import approvals, store
from shared.llm.types import ProviderError
from shared.pipeline.definition import PHASE_NAMES
from shared.team_settings import update_team_settings
from tests.factories import (
    ScriptedProvider,
    event_types,
    finished,
    reviewer,
    start_job,
    wait_for,
)
from tests.workflow.conftest import pending_of

pytestmark = [pytest.mark.usefixtures("aws"), pytest.mark.slow]


@pytest.mark.parametrize(
    ("platform", "expected_file"),
    [("web", "index.html"), ("python-api", "app/main.py"), ("android,ios", "pubspec.yaml")],
)
def test_a_template_generated_job_runs_every_phase_and_exports_a_zip(
    platform: str, expected_file: str
) -> None:
    team = f"wf-happy-{platform.replace(',', '-')}"
    job = start_job(team, platform=platform, name="Field Notes")

    done = wait_for(team, job.id, finished, seconds=120)

    assert done.status == "passed", done.error
    statuses = {record.phase: record.status for record in done.phases}
    assert statuses.pop("backend") == "skipped"
    assert statuses.pop("repair") == "skipped"
    assert set(statuses.values()) == {"passed"}
    # The template generator tokenizes nothing: the job says so rather than inventing counts.
    assert (done.tokens_in, done.tokens_out) == (None, None)
    assert done.phase("dev").provider == "templates"
    assert all(
        record.started_at and record.finished_at
        for record in done.phases
        if record.status == "passed"
    )
    tree = artifacts.load_tree(team, job.id)
    assert expected_file in tree
    url = artifacts.export_url(team, job.id, done.slug)
    archive = client("s3").get_object(
        Bucket="factory-test-artifacts", Key=artifacts.export_key(team, job.id, done.slug)
    )
    with zipfile.ZipFile(io.BytesIO(archive["Body"].read())) as zipped:
        assert f"{done.slug}/{expected_file}" in zipped.namelist()
    assert done.slug in url
    types = event_types(team, job.id)
    assert types[0] == "job.created"
    assert types.count("job.phase.completed") == len(PHASE_NAMES)
    assert types[-1] == "job.completed"


def test_a_phase_that_fails_then_succeeds_is_retried(provider: ScriptedProvider) -> None:
    provider.fail_once["ba"] = ProviderError("provider answered 503", kind="unavailable")

    job = start_job("wf-transient")
    done = wait_for("wf-transient", job.id, finished)

    assert done.status == "passed"
    assert done.phase("ba").attempts == 2
    assert "job.phase.retrying" in event_types("wf-transient", job.id)


def test_a_phase_that_fails_for_good_fails_the_job_and_keeps_what_was_made(
    provider: ScriptedProvider,
) -> None:
    provider.replace_text["dev"] = "I could not write any files."

    job = start_job("wf-fail")
    done = wait_for("wf-fail", job.id, finished)

    assert done.status == "failed"
    assert done.error == "dev: the model returned no files"
    assert done.phase("dev").status == "failed"
    assert done.phase("qa").status == "pending"
    assert "requirements" in artifacts.load_documents("wf-fail", job.id)
    assert event_types("wf-fail", job.id)[-1] == "job.failed"


def test_cancel_stops_at_the_next_phase_boundary(provider: ScriptedProvider) -> None:
    provider.hold["architect"] = threading.Event()
    provider.reached["architect"] = threading.Event()
    job = start_job("wf-cancel")
    assert provider.reached["architect"].wait(20)

    answer = jobs_service.cancel_job("wf-cancel", job.slug)
    provider.hold["architect"].set()
    done = wait_for("wf-cancel", job.id, finished)

    assert answer.cancel_requested
    assert done.status == "cancelled"
    assert done.phase("architect").status == "passed"
    assert done.phase("uiux").status == "cancelled"
    assert done.phase("ba").tokens_in > 0, "what was spent stays recorded"
    assert "architecture" in artifacts.load_documents("wf-cancel", job.id)
    with pytest.raises(Conflict):
        jobs_service.cancel_job("wf-cancel", job.id)


def pending_approval(team: str, job_id: str) -> str:
    wait_for(team, job_id, lambda job: job.status == "waiting_approval" or finished(job))
    pending = [a for a in pending_of(team) if a.job_id == job_id]
    assert pending, "the gate asked for an approval"
    return pending[0].id


def test_approve_resumes_the_job() -> None:
    job = start_job("wf-approve", approval_gates=["architect"])
    approval_id = pending_approval("wf-approve", job.id)
    waiting = store.get_job("wf-approve", job.id)
    assert waiting.phase("architect").status == "waiting_approval"
    assert waiting.phase("uiux").status == "pending"

    approvals_service.approve(reviewer("wf-approve", "reviewer-1"), approval_id)
    done = wait_for("wf-approve", job.id, finished)

    assert done.status == "passed"
    assert approvals.get_approval("wf-approve", approval_id).status == "approved"
    with pytest.raises(Conflict):
        approvals_service.approve(reviewer("wf-approve", "reviewer-2"), approval_id)


def test_reject_fails_the_job_with_the_reason() -> None:
    job = start_job("wf-reject", approval_gates=["ba"])
    approval_id = pending_approval("wf-reject", job.id)

    approvals_service.reject(
        "wf-reject", approval_id, "reviewer-1", "stories miss offline use", send_back=False
    )
    done = wait_for("wf-reject", job.id, finished)

    assert done.status == "failed"
    assert done.error == "ba was rejected by a reviewer: stories miss offline use"
    assert done.phase("architect").status == "pending"


@pytest.mark.parametrize("asked_by", ["the reviewer", "the team's on_reject setting"])
def test_send_back_runs_the_phase_again_with_the_note(
    provider: ScriptedProvider, asked_by: str
) -> None:
    team = "wf-revise" if asked_by == "the reviewer" else "wf-revise-setting"
    send_back: bool | None = True
    if asked_by != "the reviewer":
        update_team_settings(team, {"on_reject": "revise"})
        send_back = None
    job = start_job(team, approval_gates=["ba"])
    first = pending_approval(team, job.id)

    approvals_service.reject(team, first, "r1", "add an export story", send_back=send_back)
    wait_for(
        team,
        job.id,
        lambda j: len([a for a in pending_of(team) if a.job_id == job.id]) == 1 or finished(j),
    )
    second = pending_approval(team, job.id)
    approvals_service.approve(reviewer(team, "r1"), second)
    done = wait_for(team, job.id, finished)

    assert done.status == "passed"
    assert done.phase("ba").attempts == 2
    ba_requests = [r for r in provider.requests if r.task and r.task.phase == "ba"]
    assert ba_requests[-1].task is not None
    assert ba_requests[-1].task.feedback == "add an export story"


def test_an_edited_approval_is_what_the_next_phases_use(provider: ScriptedProvider) -> None:
    job = start_job("wf-edit", approval_gates=["architect"])
    approval_id = pending_approval("wf-edit", job.id)

    edited = "# Architecture\n\nEDITED BY A REVIEWER: one module per feature.\n"
    approvals_service.approve(reviewer("wf-edit", "r1"), approval_id, edited_output=edited)
    done = wait_for("wf-edit", job.id, finished)

    assert done.status == "passed"
    assert artifacts.load_documents("wf-edit", job.id)["architecture"] == edited
    dev_request = next(r for r in provider.requests if r.task and r.task.phase == "dev")
    assert "EDITED BY A REVIEWER" in dev_request.messages[-1].content


def test_retry_from_a_phase_keeps_earlier_outputs() -> None:
    job = start_job("wf-retry")
    first = wait_for("wf-retry", job.id, finished)
    assert first.status == "passed"

    again = jobs_service.retry_job("wf-retry", job.id, "dev")
    done = wait_for(
        "wf-retry", job.id, lambda j: finished(j) and j.finished_at != first.finished_at
    )

    assert again.status in ("queued", "running")  # the worker may already have begun
    assert done.status == "passed"
    assert done.phase("ba").started_at == first.phase("ba").started_at
    assert done.phase("dev").started_at != first.phase("dev").started_at
    assert done.phase("dev").attempts == 2


def test_retry_of_a_failed_job_starts_at_the_failed_phase(provider: ScriptedProvider) -> None:
    provider.fail_always["uiux"] = PhaseFailed("the design tool is down")
    job = start_job("wf-retry-failed")
    failed = wait_for("wf-retry-failed", job.id, finished)
    assert failed.status == "failed"

    del provider.fail_always["uiux"]
    jobs_service.retry_job("wf-retry-failed", job.slug, None)
    done = wait_for("wf-retry-failed", job.id, lambda j: j.status == "passed")

    assert done.phase("architect").attempts == 1
    assert done.phase("uiux").attempts == 2


def test_the_reconciler_settles_a_job_whose_execution_ended(
    provider: ScriptedProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider.fail_always["architect"] = PhaseFailed("no architecture today")

    def crash_while_recording(*args: object) -> None:
        raise RuntimeError("storage hiccup while recording the failure")

    # The phase fails, then recording the failure crashes: the execution ends FAILED with
    # the job still "running", which only the reconciler can put right.
    monkeypatch.setattr("functions.pipeline.worker.fail", crash_while_recording)
    job = start_job("wf-reconcile")
    sfn = client("stepfunctions")
    wait_for("wf-reconcile", job.id, lambda j: j.execution_arn is not None)
    arn = store.get_job("wf-reconcile", job.id).execution_arn
    assert arn is not None
    deadline = time.monotonic() + 30
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert store.get_job("wf-reconcile", job.id).status == "running"

    fixes = reconcile()
    settled = store.get_job("wf-reconcile", job.id)

    assert [fix.job_id for fix in fixes if fix.team_id == "wf-reconcile"] == [job.id]
    assert settled.status == "failed"
    assert settled.error == "the pipeline ended (failed) without finishing the job"
    assert settled.phase("uiux").status == "cancelled"
    assert job.id not in {active.id for active in store.list_active_jobs()}
    assert all(fix.job_id != job.id for fix in reconcile())


def test_the_document_phases_store_their_outputs() -> None:
    job = start_job("wf-docs", backend="rest")
    done = wait_for("wf-docs", job.id, finished, seconds=90)

    documents = artifacts.load_documents("wf-docs", job.id)
    assert done.phase("backend").status == "passed"
    assert {
        "brief",
        "requirements",
        "backend",
        "architecture",
        "design",
        "review",
        "qa",
        "runtime",
        "security",
    } <= set(documents)
    report = artifacts.load_report("wf-docs", job.id, "qa")
    assert report is not None
    assert json.loads(json.dumps(report))["errors"] == 0


def test_transitions_reach_the_event_bus() -> None:
    # Given a rule on the bus that copies our events into a queue, as a subscriber would.
    settings_bus = "factory-test-bus"
    sqs, events_client = client("sqs"), client("events")
    queue_url = sqs.create_queue(QueueName="wf-bus-tap")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events_client.put_rule(
        Name="wf-bus-tap",
        EventBusName=settings_bus,
        EventPattern=json.dumps({"source": ["software-factory"]}),
    )
    events_client.put_targets(
        Rule="wf-bus-tap", EventBusName=settings_bus, Targets=[{"Id": "tap", "Arn": queue_arn}]
    )

    job = start_job("wf-bus", approval_gates=["ba"])
    approval_id = pending_approval("wf-bus", job.id)
    approvals_service.approve(reviewer("wf-bus", "r1"), approval_id)
    wait_for("wf-bus", job.id, finished)

    seen: list[tuple[str, dict]] = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in batch:
            event = json.loads(message["Body"])
            if event["detail"].get("job_id") == job.id:
                seen.append((event["detail-type"], event["detail"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    types = [detail_type for detail_type, _ in seen]
    events_client.remove_targets(Rule="wf-bus-tap", EventBusName=settings_bus, Ids=["tap"])
    events_client.delete_rule(Name="wf-bus-tap", EventBusName=settings_bus)

    assert types[0] == "job.created"
    assert "approval.requested" in types
    assert (
        types.count("job.phase.started") == types.count("job.phase.completed") == len(PHASE_NAMES)
    )
    assert types[-1] == "job.completed"
    completed = dict(seen)["job.completed"]
    assert completed["team_id"] == "wf-bus"
    assert completed["tokens_out"] is None  # the template generator counts no tokens


def test_delete_with_purge_removes_the_job_and_its_artifacts() -> None:
    job = start_job("wf-purge")
    wait_for("wf-purge", job.id, finished)
    assert artifacts.load_tree("wf-purge", job.id)

    jobs_service.delete_job("wf-purge", job.slug, purge=True)

    with pytest.raises(NotFound):
        store.find_job("wf-purge", job.slug)
    assert artifacts.load_tree("wf-purge", job.id) == {}
    assert artifacts.list_tree("wf-purge", job.id) == []

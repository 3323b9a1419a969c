"""The pipeline worker's actions, one per state-machine task: run a phase, ask for an
approval, and record how the job ended. Every transition is written to the job's event
log and put on the event bus."""

from __future__ import annotations

import json
from typing import Any

from functions.pipeline.agents import Assignment, assignment_for, router_for_team
from functions.pipeline.errors import PhaseFailed, ProviderTimedOut, TransientPhaseError
from functions.pipeline.failures import describe, provider_failure
from functions.pipeline.phases import PhaseContext, PhaseResult, run_phase
from shared.errors import BudgetExceeded
from shared.ids import utcnow
from shared.jobs import approvals, lifecycle, store
from shared.jobs.domain import BudgetHold, Job, PhaseFailure, PhaseRecord
from shared.observability import logger, metrics
from shared.pipeline.definition import PHASES_BY_NAME

Answer = dict[str, Any]
# Step Functions reads these keys of every `run` answer (shared/pipeline/asl.py).
_NOT_GATED: Answer = {"gate": False, "recheck": False, "budget": None}
# Errors the worker raises after recording a provider's failure on the phase (`fail` reads
# it there: the error's Cause is not relied on, see failures.py).
_PHASE_ERRORS = frozenset({"TransientPhaseError", "ProviderTimedOut", "PhaseFailed"})


_record = lifecycle.record


def run(team_id: str, job_id: str, phase_name: str) -> Answer:
    phase = PHASES_BY_NAME[phase_name]
    job = store.get_job(team_id, job_id)
    if job.cancel_requested:
        return {"outcome": "cancelled", **_NOT_GATED}

    def start(current: Job) -> None:
        now = utcnow()
        current.status, current.current_phase, current.error = "running", phase.name, None
        current.started_at = current.started_at or now
        record = current.phase(phase.name)
        record.status, record.started_at, record.finished_at = "running", now, None
        record.error, record.failure = None, None
        record.attempts += 1

    job = store.update_job(team_id, job_id, start)
    _record(job, "job.phase.started", phase=phase.name)
    assignment: Assignment | None = None
    try:
        assignment = assignment_for(team_id, phase)
        context = PhaseContext(job, router_for_team(team_id), assignment)
        result = run_phase(context, phase)
    except BudgetExceeded as exc:
        return _budget_exhausted(job, phase.name, exc, assignment)
    except TransientPhaseError as exc:
        failure = _provider_failure(job, phase.name, exc)
        error = describe(phase.name, failure, _agent_name(assignment)) if failure else str(exc)
        _retrying(job, phase.name, error, failure, assignment)
        if failure is not None and failure.kind == "timeout":
            raise ProviderTimedOut(error) from exc
        raise
    except PhaseFailed as exc:
        failure = _provider_failure(job, phase.name, exc)
        error = describe(phase.name, failure, _agent_name(assignment)) if failure else str(exc)
        _finish_failed(job, phase.name, error, failure, assignment)
        raise
    except Exception as exc:
        logger.exception("phase failed unexpectedly", extra={"phase": phase.name})
        _finish_failed(job, phase.name, f"{phase.name} failed unexpectedly", None, assignment)
        raise PhaseFailed(f"{phase.name} failed unexpectedly") from exc
    job = _finish_passed(job, phase.name, result, assignment)
    if phase.name == "reviewer" and result.outcome == "passed":
        _open_code_review(job)
    gate = result.outcome == "passed" and phase.name in job.approval_gates
    return {**_NOT_GATED, "outcome": result.outcome, "gate": gate, "recheck": result.recheck}


def _open_code_review(job: Job) -> None:
    """The job's code review (its files, the reviewer's report and findings), opened once
    per job whatever retries the phase. A review that cannot be opened is logged, not the
    job's failure: the phase passed, and running it again would only repeat its model call."""
    from shared.approvals.reviews import open_for_job

    try:
        open_for_job(job)
    except Exception:
        logger.exception("the job's code review was not opened")


def _provider_failure(job: Job, phase_name: str, exc: Exception) -> PhaseFailure | None:
    return provider_failure(exc, job.phase(phase_name).attempts)


def _agent_name(assignment: Assignment | None) -> str | None:
    return assignment.agent.name if assignment and assignment.agent else None


def _served(record: PhaseRecord, assignment: Assignment | None) -> None:
    """Name the agent that served the phase (none: the built-in template generator)."""
    if assignment is not None:
        record.agent = assignment.agent


def _failure_data(failure: PhaseFailure | None) -> dict[str, Any] | None:
    return {"failure": failure.model_dump(mode="json")} if failure else None


def _retrying(
    job: Job,
    phase_name: str,
    error: str,
    failure: PhaseFailure | None,
    assignment: Assignment | None,
) -> None:
    """Record why the attempt failed before Step Functions retries it: if it was the last
    attempt, `fail` finds the failure here (the phase stays running until then)."""

    def note(current: Job) -> None:
        record = current.phase(phase_name)
        record.error, record.failure = error, failure
        _served(record, assignment)

    job = store.update_job(job.team_id, job.id, note)
    _record(job, "job.phase.retrying", phase=phase_name, message=error, data=_failure_data(failure))


def _budget_exhausted(
    job: Job, phase_name: str, exc: BudgetExceeded, assignment: Assignment | None
) -> Answer:
    """A limit stopped the phase's model call: the phase waits for a person to extend the
    budget (the state machine asks next) instead of failing the job. Nothing the phase
    made before the refusal is lost; it runs again once approved."""

    def hold(current: Job) -> None:
        record = current.phase(phase_name)
        record.status, record.finished_at = "waiting_approval", utcnow()
        _served(record, assignment)

    job = store.update_job(job.team_id, job.id, hold)
    budget = {"limit": exc.limit, "spent_usd": exc.spent_usd, "limit_usd": exc.limit_usd}
    _record(job, "job.budget_exhausted", phase=phase_name, message=exc.detail, data=budget)
    return {**_NOT_GATED, "outcome": "budget_exhausted", "budget": budget}


def _finish_passed(
    job: Job, phase_name: str, result: PhaseResult, assignment: Assignment | None
) -> Job:
    def finish(current: Job) -> None:
        record = current.phase(phase_name)
        record.status, record.finished_at = result.outcome, utcnow()
        _served(record, assignment)
        for completion in result.completions:
            record.count_tokens(completion.tokens_in, completion.tokens_out)
        record.cost_usd = round(record.cost_usd + result.cost_usd, 6)
        if result.provider:
            record.model, record.provider = result.model, result.provider
        if result.repaired:
            current.repair_attempts += 1

    job = store.update_job(job.team_id, job.id, finish)
    record = job.phase(phase_name)
    _record(
        job,
        "job.phase.completed",
        phase=phase_name,
        message=result.summary,
        data={
            "outcome": result.outcome,
            "tokens_in": record.tokens_in,
            "tokens_out": record.tokens_out,
            "cost_usd": record.cost_usd,
        },
    )
    metrics.add_metric(name="PhasesCompleted", unit="Count", value=1)
    return job


def _finish_failed(
    job: Job,
    phase_name: str,
    error: str,
    failure: PhaseFailure | None,
    assignment: Assignment | None,
) -> None:
    def fail(current: Job) -> None:
        record = current.phase(phase_name)
        record.status, record.finished_at, record.error = "failed", utcnow(), error
        record.failure = failure
        _served(record, assignment)

    job = store.update_job(job.team_id, job.id, fail)
    _record(job, "job.phase.failed", phase=phase_name, message=error, data=_failure_data(failure))


def request_approval(
    team_id: str,
    job_id: str,
    phase_name: str,
    task_token: str,
    budget: dict[str, Any] | None = None,
) -> Answer:
    """Wait for a person: to review a gated phase's output, or (`budget`) to let a job
    whose model call hit a spending limit go on."""
    hold = BudgetHold.model_validate(budget) if budget else None
    approval = approvals.create_approval(team_id, job_id, phase_name, task_token, hold)

    def wait(current: Job) -> None:
        current.status = "waiting_approval"
        current.phase(phase_name).status = "waiting_approval"

    job = store.update_job(team_id, job_id, wait)
    _record(
        job,
        "approval.requested",
        phase=phase_name,
        message=f"extend the budget? {hold.limit} is exhausted" if hold else "",
        data={"approval_id": approval.id, "kind": approval.kind},
    )
    return {"approval_id": approval.id}


def complete(team_id: str, job_id: str) -> Answer:
    def done(current: Job) -> None:
        current.status, current.current_phase, current.finished_at = "passed", None, utcnow()

    job = store.update_job(team_id, job_id, done)
    _record(
        job,
        "job.completed",
        data={"tokens_in": job.tokens_in, "tokens_out": job.tokens_out, "cost_usd": job.cost_usd},
    )
    metrics.add_metric(name="JobsPassed", unit="Count", value=1)
    # A product made from an idea, or a follow-up, waits on this job: its next release.
    from shared.products.lifecycle import publish_built

    publish_built(team_id, job_id)
    return {}


def cancelled(team_id: str, job_id: str) -> Answer:
    lifecycle.mark_cancelled(team_id, job_id)
    return {}


def _reason(team_id: str, job: Job, error: dict[str, Any]) -> str:
    """A message fit for users: our own errors' text, never an unexpected one's."""
    name = str(error.get("Error", ""))
    if name == "ApprovalRejected" and job.current_phase:
        decision = approvals.latest_rejection(team_id, job.id, job.current_phase)
        why = f": {decision.reason}" if decision and decision.reason else ""
        if decision and decision.budget:
            return (
                f"{job.current_phase} stopped at the {decision.budget.limit.lower()}; "
                f"a reviewer did not extend it{why}"
            )
        return f"{job.current_phase} was rejected by a reviewer{why}"
    if name == "States.Timeout":
        return f"{job.current_phase or 'a phase'} timed out"
    try:
        cause = json.loads(error.get("Cause") or "{}")
    except ValueError:
        cause = {}
    if name in ("PhaseFailed", "ChecksFailed") and cause.get("errorMessage"):
        return str(cause["errorMessage"])
    return f"{job.current_phase or 'a phase'} failed ({name or 'unknown error'})"


def _recorded_failure(job: Job, error: dict[str, Any]) -> PhaseFailure | None:
    """The provider failure the worker recorded on the failed phase before raising."""
    if str(error.get("Error", "")) not in _PHASE_ERRORS or not job.current_phase:
        return None
    return job.phase(job.current_phase).failure


def fail(team_id: str, job_id: str, error: dict[str, Any]) -> Answer:
    job = store.get_job(team_id, job_id)
    failure = _recorded_failure(job, error)
    recorded = job.phase(job.current_phase).error if job.current_phase else None
    reason = recorded if failure and recorded else _reason(team_id, job, error)

    def failed(current: Job) -> None:
        current.status, current.error, current.finished_at = "failed", reason, utcnow()
        current.failure = failure
        if current.current_phase:
            record = current.phase(current.current_phase)
            if record.status in ("running", "waiting_approval"):
                record.status, record.error, record.finished_at = "failed", reason, utcnow()

    job = store.update_job(team_id, job_id, failed)
    _record(job, "job.failed", phase=job.current_phase, message=reason, data=_failure_data(failure))
    metrics.add_metric(name="JobsFailed", unit="Count", value=1)
    return {}


def handle(event: dict[str, Any]) -> Answer:
    """Dispatch one state-machine task to its action."""
    team_id, job_id, action = event["team_id"], event["job_id"], event["action"]
    logger.append_keys(team_id=team_id, job_id=job_id, action=action, phase=event.get("phase"))
    match action:
        case "run":
            return run(team_id, job_id, event["phase"])
        case "request_approval":
            return request_approval(
                team_id, job_id, event["phase"], event["task_token"], event.get("budget")
            )
        case "complete":
            return complete(team_id, job_id)
        case "cancelled":
            return cancelled(team_id, job_id)
        case "fail":
            return fail(team_id, job_id, event.get("error") or {})
    raise ValueError(f"unknown action {action!r}")

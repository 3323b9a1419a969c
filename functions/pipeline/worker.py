"""The pipeline worker's actions, one per state-machine task: run a phase, ask for an
approval, and record how the job ended. Every transition is written to the job's event
log and put on the event bus."""

from __future__ import annotations

import json
from typing import Any

from functions.pipeline.agents import assignment_for, router_for_team
from functions.pipeline.errors import PhaseFailed, TransientPhaseError
from functions.pipeline.phases import PhaseContext, PhaseResult, run_phase
from shared.errors import BudgetExceeded
from shared.ids import utcnow
from shared.jobs import approvals, lifecycle, store
from shared.jobs.domain import BudgetHold, Job
from shared.observability import logger, metrics
from shared.pipeline.definition import PHASES_BY_NAME

Answer = dict[str, Any]
# Step Functions reads these keys of every `run` answer (shared/pipeline/asl.py).
_NOT_GATED: Answer = {"gate": False, "recheck": False, "budget": None}


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
        record.error = None
        record.attempts += 1

    job = store.update_job(team_id, job_id, start)
    _record(job, "job.phase.started", phase=phase.name)
    try:
        context = PhaseContext(job, router_for_team(team_id), assignment_for(team_id, phase))
        result = run_phase(context, phase)
    except BudgetExceeded as exc:
        return _budget_exhausted(job, phase.name, exc)
    except TransientPhaseError as exc:
        _record(job, "job.phase.retrying", phase=phase.name, message=str(exc))
        raise
    except PhaseFailed as exc:
        _finish_failed(job, phase.name, str(exc))
        raise
    except Exception as exc:
        logger.exception("phase failed unexpectedly", extra={"phase": phase.name})
        _finish_failed(job, phase.name, f"{phase.name} failed unexpectedly")
        raise PhaseFailed(f"{phase.name} failed unexpectedly") from exc
    job = _finish_passed(job, phase.name, result)
    gate = result.outcome == "passed" and phase.name in job.approval_gates
    return {**_NOT_GATED, "outcome": result.outcome, "gate": gate, "recheck": result.recheck}


def _budget_exhausted(job: Job, phase_name: str, exc: BudgetExceeded) -> Answer:
    """A limit stopped the phase's model call: the phase waits for a person to extend the
    budget (the state machine asks next) instead of failing the job. Nothing the phase
    made before the refusal is lost; it runs again once approved."""

    def hold(current: Job) -> None:
        record = current.phase(phase_name)
        record.status, record.finished_at = "waiting_approval", utcnow()

    job = store.update_job(job.team_id, job.id, hold)
    budget = {"limit": exc.limit, "spent_usd": exc.spent_usd, "limit_usd": exc.limit_usd}
    _record(job, "job.budget_exhausted", phase=phase_name, message=exc.detail, data=budget)
    return {**_NOT_GATED, "outcome": "budget_exhausted", "budget": budget}


def _finish_passed(job: Job, phase_name: str, result: PhaseResult) -> Job:
    def finish(current: Job) -> None:
        record = current.phase(phase_name)
        record.status, record.finished_at = result.outcome, utcnow()
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


def _finish_failed(job: Job, phase_name: str, error: str) -> None:
    def fail(current: Job) -> None:
        record = current.phase(phase_name)
        record.status, record.finished_at, record.error = "failed", utcnow(), error

    job = store.update_job(job.team_id, job.id, fail)
    _record(job, "job.phase.failed", phase=phase_name, message=error)


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
    return {}


def cancelled(team_id: str, job_id: str) -> Answer:
    lifecycle.mark_cancelled(team_id, job_id)
    return {}


def _reason(team_id: str, job: Job, error: dict[str, Any]) -> str:
    """A message fit for users: our own errors' text, never an unexpected one's."""
    name = str(error.get("Error", ""))
    if name == "ApprovalRejected" and job.current_phase:
        decision = approvals.latest_decision(team_id, job.id, job.current_phase)
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


def fail(team_id: str, job_id: str, error: dict[str, Any]) -> Answer:
    job = store.get_job(team_id, job_id)
    reason = _reason(team_id, job, error)

    def failed(current: Job) -> None:
        current.status, current.error, current.finished_at = "failed", reason, utcnow()
        if current.current_phase:
            record = current.phase(current.current_phase)
            if record.status in ("running", "waiting_approval"):
                record.status, record.error, record.finished_at = "failed", reason, utcnow()

    job = store.update_job(team_id, job_id, failed)
    _record(job, "job.failed", phase=job.current_phase, message=reason)
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

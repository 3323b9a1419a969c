"""The generation state machine (Amazon States Language), built from ``PHASES``.

One Task per phase invoking the pipeline worker; Retry on transient errors; every Task
catches into ``Failed``, which records the failure before the execution fails; a
cancellation check at every phase boundary (the worker answers ``cancelled``); an
approval gate (``waitForTaskToken``) after any phase the job asked to gate; a budget
approval when a phase's model call hits a spending limit (approved, the phase runs again;
rejected, the job fails); the qa ↔ repair loop. CDK deploys this document and the local
runtime runs the same one.
"""

from __future__ import annotations

from typing import Any

from shared.pipeline.definition import (
    APPROVAL_TIMEOUT_SECONDS,
    EXECUTION_TIMEOUT_SECONDS,
    PHASES,
    Phase,
)

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
LAMBDA_INVOKE_WAIT = "arn:aws:states:::lambda:invoke.waitForTaskToken"
# Errors worth retrying: Lambda's own transient failures and a provider's (429, 5xx).
TRANSIENT_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "TransientPhaseError",
]
# A provider that did not answer within its read timeout: retried fewer times (RetryPolicy).
TIMED_OUT = "ProviderTimedOut"
QA_RECHECK = "qa.recheck"
BUDGET_EXHAUSTED = "budget_exhausted"  # the worker's `outcome` when a limit refused a call
FAILED, CANCELLED, COMPLETED = "Failed", "Cancelled", "Completed"


def _job_payload(action: str, **extra: Any) -> dict[str, Any]:
    return {
        "action": action,
        "team_id.$": "$.team_id",
        "job_id.$": "$.job_id",
        "execution_id.$": "$$.Execution.Id",
        **extra,
    }


def _retry(phase: Phase | None = None) -> list[dict[str, Any]]:
    policy = phase.retry if phase else PHASES[0].retry
    # Step Functions uses the first retrier that names the error (each counts its own).
    return [
        {
            "ErrorEquals": [TIMED_OUT],
            "IntervalSeconds": policy.interval_seconds,
            "MaxAttempts": policy.timeout_retries,
            "BackoffRate": policy.backoff_rate,
        },
        {
            "ErrorEquals": TRANSIENT_ERRORS,
            "IntervalSeconds": policy.interval_seconds,
            "MaxAttempts": policy.max_attempts,
            "BackoffRate": policy.backoff_rate,
        },
    ]


def _catch() -> list[dict[str, Any]]:
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": FAILED}]


def _run_phase(worker_arn: str, phase: Phase, next_state: str) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Comment": phase.title,
        "Resource": LAMBDA_INVOKE,
        "Parameters": {
            "FunctionName": worker_arn,
            "Payload": _job_payload("run", phase=phase.name),
        },
        # The worker always answers these four keys.
        "ResultSelector": {
            "outcome.$": "$.Payload.outcome",
            "gate.$": "$.Payload.gate",
            "recheck.$": "$.Payload.recheck",
            "budget.$": "$.Payload.budget",
        },
        "ResultPath": "$.last",
        "TimeoutSeconds": phase.timeout_seconds,
        "Retry": _retry(phase),
        "Catch": _catch(),
        "Next": next_state,
    }


def _after_phase(phase: Phase, following: str) -> dict[str, Any]:
    choices: list[dict[str, Any]] = [
        {"Variable": "$.last.outcome", "StringEquals": "cancelled", "Next": CANCELLED},
    ]
    if phase.uses_model:
        choices.append(
            {
                "Variable": "$.last.outcome",
                "StringEquals": BUDGET_EXHAUSTED,
                "Next": f"{phase.name}.budget",
            }
        )
    if phase.can_gate:
        choices.append(
            {"Variable": "$.last.gate", "BooleanEquals": True, "Next": f"{phase.name}.approval"}
        )
    if phase.name == "repair":
        choices.append({"Variable": "$.last.recheck", "BooleanEquals": True, "Next": QA_RECHECK})
    return {"Type": "Choice", "Choices": choices, "Default": following}


def _approval(
    worker_arn: str, phase: Phase, next_state: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    what = "extend the budget for" if extra else "approve"
    return {
        "Type": "Task",
        "Comment": f"Wait for a person to {what} {phase.name}",
        "Resource": LAMBDA_INVOKE_WAIT,
        "Parameters": {
            "FunctionName": worker_arn,
            "Payload": _job_payload(
                "request_approval",
                phase=phase.name,
                **{"task_token.$": "$$.Task.Token"},
                **(extra or {}),
            ),
        },
        "ResultPath": "$.decision",
        "TimeoutSeconds": APPROVAL_TIMEOUT_SECONDS,
        "Retry": _retry(),
        "Catch": _catch(),
        "Next": next_state,
    }


def _decided(phase: Phase, following: str) -> dict[str, Any]:
    # Approve goes on; "revise" runs the phase again with the reviewer's note; a plain
    # rejection arrives as a task failure and is caught into Failed.
    return {
        "Type": "Choice",
        "Choices": [
            {"Variable": "$.decision.decision", "StringEquals": "revise", "Next": phase.name}
        ],
        "Default": following,
    }


def _worker_task(
    worker_arn: str, action: str, next_state: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {
            "FunctionName": worker_arn,
            "Payload": _job_payload(action, **(extra or {})),
        },
        "ResultPath": None,
        "Retry": _retry(),
        "Next": next_state,
    }


def build_definition(worker_arn: str) -> dict[str, Any]:
    """The state machine document; `worker_arn` is the pipeline worker function's ARN."""
    states: dict[str, Any] = {
        "Start": {
            "Type": "Choice",
            "Comment": "A retry starts at the phase it names; a new job at the first",
            "Choices": [
                {"Variable": "$.start_from", "StringEquals": phase.name, "Next": phase.name}
                for phase in PHASES[1:]
            ],
            "Default": PHASES[0].name,
        },
    }
    for index, phase in enumerate(PHASES):
        following = PHASES[index + 1].name if index + 1 < len(PHASES) else COMPLETED
        states[phase.name] = _run_phase(worker_arn, phase, f"{phase.name}.next")
        states[f"{phase.name}.next"] = _after_phase(phase, following)
        if phase.can_gate:
            states[f"{phase.name}.approval"] = _approval(worker_arn, phase, f"{phase.name}.decided")
            states[f"{phase.name}.decided"] = _decided(phase, following)
        if phase.uses_model:
            # Approved, the phase runs again (with the limit raised); rejected, Failed.
            states[f"{phase.name}.budget"] = _approval(
                worker_arn, phase, phase.name, {"budget.$": "$.last.budget"}
            )
    # After a repair, qa checks again and repair decides again (up to max_repair_attempts).
    qa = next(phase for phase in PHASES if phase.name == "qa")
    states[QA_RECHECK] = {
        **_run_phase(worker_arn, qa, f"{QA_RECHECK}.next"),
        "Comment": "qa again, after a repair",
    }
    states[f"{QA_RECHECK}.next"] = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.last.outcome", "StringEquals": "cancelled", "Next": CANCELLED}],
        "Default": "repair",
    }
    states[COMPLETED] = _worker_task(worker_arn, "complete", "Done")
    states["Done"] = {"Type": "Succeed"}
    states[CANCELLED] = _worker_task(worker_arn, "cancelled", "Stopped")
    states["Stopped"] = {"Type": "Succeed", "Comment": "cancelled at a phase boundary"}
    states[FAILED] = _worker_task(worker_arn, "fail", "JobFailed", {"error.$": "$.error"})
    states["JobFailed"] = {
        "Type": "Fail",
        "Error": "JobFailed",
        "Cause": "a phase failed; the job records why",
    }
    return {
        "Comment": "Generation job: phases from shared/pipeline/definition.py",
        "StartAt": "Start",
        "TimeoutSeconds": EXECUTION_TIMEOUT_SECONDS,
        "States": states,
    }

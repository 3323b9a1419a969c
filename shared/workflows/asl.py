"""The workflows state machine (Amazon States Language): ONE interpreter machine,
`<prefix>-workflows`, runs every workflow; a run's steps are its input.

    Steps (Map over $.steps, inline, MaxConcurrency MAX_STEPS: every step starts at once)
      Ready   waitForTaskToken: the step worker records the token on the run's step; the
              write that passes the step's last dependency (or the recording itself, when
              none is left) answers it with success, a failed dependency with failure
      Run     waitForTaskToken: the worker starts the step by type (an agent task, an
              approval, a webhook call, a delayed message for a wait) and whatever ends
              it answers the token
      Passed  the worker records the output and releases the step's dependents
      Failed  (every Catch of Ready and Run) records the error and fails the dependents;
              the iteration itself ends normally, so its siblings run on
    Settle    the worker records how the run ended (any failed step: failed); a Map that
              failed as a whole (a Lambda that died past its retries) is caught into
              Settle too, so every run records an end

The step worker is the only Lambda it invokes; CDK deploys this document and the local
runtime runs the same one.
"""

from __future__ import annotations

from typing import Any, Final

from shared.pipeline.asl import LAMBDA_INVOKE, LAMBDA_INVOKE_WAIT, TRANSIENT_ERRORS
from shared.workflows.domain import MAX_STEPS

# An approval waits 7 days, as a job's gate does; a run as a whole a day more.
STEP_TIMEOUT_SECONDS: Final = 7 * 24 * 3600
EXECUTION_TIMEOUT_SECONDS: Final = 8 * 24 * 3600


def _payload(action: str, **extra: Any) -> dict[str, Any]:
    return {
        "action": action,
        "team_id.$": "$.team_id",
        "run_id.$": "$.run_id",
        "step_id.$": "$.step_id",
        **extra,
    }


def _retry() -> list[dict[str, Any]]:
    return [
        {
            "ErrorEquals": TRANSIENT_ERRORS,
            "IntervalSeconds": 2,
            "MaxAttempts": 3,
            "BackoffRate": 2.0,
        }
    ]


def _catch() -> list[dict[str, Any]]:
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}]


def _task(worker_arn: str, payload: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": worker_arn, "Payload": payload},
        "Retry": _retry(),
        **fields,
    }


def _wait_task(worker_arn: str, action: str, result_path: str, nxt: str) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE_WAIT,
        "Parameters": {
            "FunctionName": worker_arn,
            "Payload": _payload(action, **{"task_token.$": "$$.Task.Token"}),
        },
        "ResultPath": result_path,
        "TimeoutSeconds": STEP_TIMEOUT_SECONDS,
        "Retry": _retry(),
        "Catch": _catch(),
        "Next": nxt,
    }


def build_definition(worker_arn: str) -> dict[str, Any]:
    """The state machine document; `worker_arn` is the workflow step worker's ARN."""
    iteration = {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "Ready",
        "States": {
            "Ready": _wait_task(worker_arn, "await", "$.ready", "Run"),
            "Run": _wait_task(worker_arn, "start", "$.output", "Passed"),
            "Passed": _task(
                worker_arn,
                _payload("passed", **{"output.$": "$.output"}),
                ResultPath=None,
                End=True,
            ),
            "Failed": _task(
                worker_arn,
                _payload("failed", **{"error.$": "$.error"}),
                ResultPath=None,
                End=True,
            ),
        },
    }
    return {
        "Comment": "Workflow runs: one interpreter for every workflow (shared/workflows/asl.py)",
        "StartAt": "Steps",
        "TimeoutSeconds": EXECUTION_TIMEOUT_SECONDS,
        "States": {
            "Steps": {
                "Type": "Map",
                "ItemsPath": "$.steps",
                "MaxConcurrency": MAX_STEPS,
                "ItemSelector": {
                    "team_id.$": "$.team_id",
                    "run_id.$": "$.run_id",
                    "step_id.$": "$$.Map.Item.Value",
                },
                "ItemProcessor": iteration,
                "ResultPath": None,
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Settle"}
                ],
                "Next": "Settle",
            },
            "Settle": _task(
                worker_arn,
                {"action": "settle", "team_id.$": "$.team_id", "run_id.$": "$.run_id"},
                ResultPath=None,
                End=True,
            ),
        },
    }

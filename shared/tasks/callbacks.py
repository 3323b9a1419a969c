"""A task a workflow's agent_task step waits on (it holds a Step Functions task token)
tells the execution how it ended: completed → SendTaskSuccess with
`{task_id, status, result, tokens, cost_usd}`, failed → SendTaskFailure `TaskFailed`,
cancelled → SendTaskFailure `TaskCancelled`, the error as the cause. Called by whatever
ends the task (the runner, a cancel, a worker's finish, the dead-letter settler).
"""

from __future__ import annotations

import json
from typing import Final

from botocore.exceptions import ClientError

from shared.observability import logger
from shared.tasks.domain import CANCELLED, COMPLETED, FAILED, Task

# The execution ended (timed out, stopped) or the token is not one: nothing waits.
_GONE: Final = ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")
_CAUSE_CHARS: Final = 32_000  # Step Functions' limit on `cause`


def report(task: Task) -> None:
    """Send the task's end to the execution waiting on it; nothing for a task without a
    token or not ended yet."""
    if task.task_token is None or task.status not in (COMPLETED, FAILED, CANCELLED):
        return
    from shared.aws import client

    sfn = client("stepfunctions")
    try:
        if task.status == COMPLETED:
            output = {
                "task_id": task.id,
                "status": task.status,
                "result": task.result,
                "tokens": task.tokens,
                "cost_usd": task.cost_usd,
            }
            sfn.send_task_success(taskToken=task.task_token, output=json.dumps(output))
        else:
            sfn.send_task_failure(
                taskToken=task.task_token,
                error="TaskFailed" if task.status == FAILED else "TaskCancelled",
                cause=(task.error or task.status)[:_CAUSE_CHARS],
            )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in _GONE:
            raise
        logger.info("task token no longer awaited", extra={"task": task.id})

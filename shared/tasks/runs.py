"""The task-runs consumer's work: one queued task run through its agent on the team's
router, and what ends a task the consumer could not.

- The task is claimed queued → running by a conditional write, so of two deliveries of
  its message one runs it; a redelivery of a running or ended task does nothing, unless
  the run it names was lost with its invocation (running, by no worker, for longer than
  `STALE_RUN`): then it is claimed again. The call goes through the router as a
  trigger's run_agent action does (budget, breaker, fallback, ledger) under call id
  `task-<id>`, so a run repeated is not charged twice.
- The result, tokens (None when the provider counted none: the template generator) and
  cost are stored by a write conditioned on the task still running: a task cancelled
  meanwhile keeps `cancelled` and the result is dropped.
- A completed task whose result holds a fenced code block opens a code review, once per
  task (shared.approvals.reviews.open_for_task).
- What the task asked for that cannot be done (no provider answered, a spent budget, its
  agent deleted or stopped) ends it `failed` with the reason. A failure of our own raises
  (SQS delivers again) after putting the task back to queued; on the last receive the
  task is failed first. The dead-letter archiver's settler fails it if even that failed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from shared.errors import DomainError, NotFound, ServiceUnavailable
from shared.ids import utcnow
from shared.observability import logger
from shared.tasks import service, store
from shared.tasks.domain import ACTIVE, COMPLETED, QUEUED, RUNNING, STALE_RUN, Task

MAX_TOKENS: Final = 4096


def _claim(task: Task) -> Task | None:
    if task.status == QUEUED and task.worker_id is None:
        return service.start(task)
    stale = task.started_at is not None and task.started_at < utcnow() - STALE_RUN
    if task.status == RUNNING and task.worker_id is None and stale:
        # The run that claimed it died with its invocation: claim it anew.
        return store.transition(
            task,
            replace(task, started_at=utcnow()),
            same_start=True,
        )
    return None


def run_task(team_id: str, task_id: str, *, last_receive: bool = False) -> Task | None:
    """Run the task if it is queued for the runner; the task as it ended (None: unknown)."""
    task = store.get_task(team_id, task_id, consistent=True)
    if task is None:
        return None
    running = _claim(task)
    if running is None:
        # Run or being run by another delivery, ended, cancelled, on a worker. A redelivery
        # after a completed run opens the code review that run may not have opened.
        return _reviewed(task)
    try:
        ended = _run(running)
    except DomainError as exc:
        if isinstance(exc, ServiceUnavailable):
            return _our_failure(running, exc.detail, last_receive, exc)
        # The task's or the team's: a spent budget, the agent gone or stopped.
        return service.end(running, "failed", error=exc.detail) or running
    except Exception as exc:
        return _our_failure(
            running, f"the task runner failed ({type(exc).__name__})", last_receive, exc
        )
    return _reviewed(ended)


def _reviewed(task: Task) -> Task:
    """A completed task whose result holds code opens its code review, once per task
    (shared.approvals.reviews.open_for_task). Outside the run's failure handling: the task
    stays completed, and a failure to open raises so that SQS delivers the message again
    and the redelivery opens it."""
    if task.status == COMPLETED:
        from shared.approvals.reviews import open_for_task

        open_for_task(task)
    return task


def _our_failure(task: Task, reason: str, last_receive: bool, exc: Exception) -> Task:
    if last_receive:
        service.end(task, "failed", error=reason)
    else:
        # Queued again for the redelivery (nothing when it was cancelled meanwhile).
        store.transition(task, replace(task, status=QUEUED, started_at=None))
    raise exc


def _run(task: Task) -> Task:
    from shared.agents import service as agents
    from shared.agents.schemas import STOPPED
    from shared.jobs.domain import NO_CREATOR
    from shared.knowledge.search import with_knowledge
    from shared.llm.router import CallContext, Target
    from shared.llm.team_router import router_for
    from shared.llm.types import CompletionRequest, Message, ProviderError
    from shared.team_settings import get_team_settings

    if task.agent_id is None:
        raise NotFound("the task has no agent")
    try:
        agent = agents.get_agent(task.team_id, task.agent_id)
    except NotFound:
        return service.end(task, "failed", error=f"agent {task.agent_id} not found") or task
    if agent.status == STOPPED:
        reason = f"agent {agent.name!r} is stopped: start it to run it"
        return service.end(task, "failed", error=reason) or task
    asked = prompt(task)
    # The agent's knowledge category: its entries best matching the task, size-capped.
    instructions = with_knowledge(
        task.team_id, agent.system_prompt, agent.knowledge_category, asked
    )
    system = (Message("system", instructions),) if instructions else ()
    request = CompletionRequest(
        model=agent.llm_model,
        messages=(*system, Message("user", asked)),
        max_tokens=MAX_TOKENS,
    )
    call = CallContext(
        team_id=task.team_id,
        user_id=task.created_by or NO_CREATOR,
        agent_id=agent.id,
        call_id=f"task-{task.id}",
    )
    router = router_for(get_team_settings(task.team_id))
    try:
        routed = router.complete(call, Target(agent.llm_provider, agent.llm_model), request)
    except ProviderError as exc:  # after the fallback; errors name no key
        return service.end(task, "failed", error=f"agent {agent.name!r}: {exc}") or task
    completion = routed.completion
    counted = [n for n in (completion.tokens_in, completion.tokens_out) if n is not None]
    done = service.end(
        task,
        "completed",
        result=completion.text,
        tokens=sum(counted) if counted else None,
        cost_usd=routed.cost_usd,
    )
    if done is None:  # cancelled while it ran: the result is dropped
        return store.get_task(task.team_id, task.id) or task
    return done


def prompt(task: Task) -> str:
    """What the agent is asked: the title, the description and the instructions."""
    parts = [f"Task: {task.title}"]
    if task.description:
        parts.append(task.description)
    parts.append(task.instructions)
    if task.required_tools:
        parts.append("Tools required: " + ", ".join(task.required_tools))
    return "\n\n".join(parts)


def settle_dead_letter(payload: Any) -> None:
    """A task-runs message the consumer never settled: its task ends failed (nothing for
    a task that ended, runs on a worker, or a payload that names none)."""
    if not isinstance(payload, dict):
        return
    team_id, task_id = payload.get("team_id"), payload.get("task_id")
    if not isinstance(team_id, str) or not isinstance(task_id, str):
        return
    task = store.get_task(team_id, task_id, consistent=True)
    if task is None or task.status not in ACTIVE or task.worker_id is not None:
        return
    logger.warning("task settled from the dead-letter queue", extra={"task": task_id})
    service.end(
        task, "failed", error="the task could not be run: its message went to the dead-letter queue"
    )

"""Every event type the product puts on the bus, with what it means and a sample of its
`data`: what `GET /webhooks/event-types` lists and what a subscription may name.

A test (tests/unit/test_webhook_catalog.py) reads the code for every type published and
holds that each is here: a new event cannot reach the bus without being subscribable.
"""

from __future__ import annotations

from typing import Any, NamedTuple

TEST = "webhook.test"
ENDPOINT_DISABLED = "webhook.endpoint.disabled"

_TEAM = "01JF3Z8Q7W2N5X6Y7Z8A9B0C1D"
_JOB = {
    "team_id": _TEAM,
    "job_id": "01JF3Z9A1B2C3D4E5F6G7H8J9K",
    "slug": "todo-api",
    "phase": None,
    "status": "running",
    "message": "",
}


_FAILURE = {
    "provider": "openai-main",
    "kind": "timeout",
    "status": None,
    "message": "the provider did not answer in 120 s",
    "attempts": 3,
}


def _job(**changes: Any) -> dict[str, Any]:
    return {**_JOB, **changes}


def _chat(**changes: Any) -> dict[str, Any]:
    user = "01JF3ZB1C2D3E4F5G6H7J8K9M0"
    return {
        "team_id": _TEAM,
        "private_to": user,
        "user_id": user,
        "ticket_id": "01JF3ZF1G2H3J4K5M6N7P8Q9R0",
        "conversation_id": None,
        "session_id": None,
        "status": "completed",
        "provider": "openai-main",
        "model": "gpt-4o-mini",
        "result": None,
        "result_truncated": False,
        "error": None,
        "tokens": None,
        "cost_usd": None,
        **changes,
    }


def _demo() -> dict[str, Any]:
    return {
        "team_id": _TEAM,
        "demo_id": "01JF3ZT1V2W3X4Y5Z6A7B8C9D0",
        "name": "Weather desk",
        "selected_apis": ["weather-summary"],
        "actor": "01JF3ZB1C2D3E4F5G6H7J8K9M0",
    }


def _task(**changes: Any) -> dict[str, Any]:
    return {
        "team_id": _TEAM,
        "task_id": "01JF3ZH1J2K3M4N5P6Q7R8S9T0",
        "title": "Summarise the release notes",
        "status": "queued",
        "priority": "medium",
        "agent_id": "01JF3ZJ1K2M3N4P5Q6R7S8T9V0",
        "board_id": None,
        "worker_id": None,
        "created_by": "01JF3ZB1C2D3E4F5G6H7J8K9M0",
        "result": None,
        "result_truncated": False,
        "error": None,
        "tokens": None,
        "cost_usd": None,
        **changes,
    }


def _review(**changes: Any) -> dict[str, Any]:
    return {
        "team_id": _TEAM,
        "review_id": "task01JF3ZH1J2K3M4N5P6Q7R8S9T0",
        "status": "open",
        "source_kind": "task",
        "source_id": "01JF3ZH1J2K3M4N5P6Q7R8S9T0",
        "agent_id": "01JF3ZJ1K2M3N4P5Q6R7S8T9V0",
        "title": "Task: Write the health check handler",
        "file_count": 1,
        "decided_by": None,
        "reason": None,
        **changes,
    }


def _worker(**changes: Any) -> dict[str, Any]:
    return {
        "team_id": _TEAM,
        "worker_id": "01JF3ZM1N2P3Q4R5S6T7V8W9X0",
        "name": "gpu-box",
        "hostname": "gpu-1.local",
        "status": "online",
        "last_heartbeat_at": "2025-01-01T12:00:00+00:00",
        **changes,
    }


class EventType(NamedTuple):
    type: str
    description: str
    sample: dict[str, Any]


EVENT_TYPES: tuple[EventType, ...] = (
    EventType("job.created", "a generation job was accepted and queued", _job(status="queued")),
    EventType(
        "job.phase.started", "a phase of a job started", _job(phase="architecture", message="")
    ),
    EventType(
        "job.phase.completed",
        "a phase of a job finished and passed its checks",
        _job(
            phase="architecture",
            message="3 files",
            outcome="passed",
            tokens_in=1200,
            tokens_out=5400,
            cost_usd=0.05,
        ),
    ),
    EventType(
        "job.phase.retrying",
        "a phase failed and is tried again",
        _job(phase="code", message="provider timed out", failure=_FAILURE),
    ),
    EventType(
        "job.phase.failed",
        "a phase failed for good",
        _job(phase="code", status="failed", message="provider timed out", failure=_FAILURE),
    ),
    EventType(
        "job.budget_exhausted",
        "a job stopped: the team's budget for the period is spent",
        _job(
            phase="code",
            status="waiting_approval",
            message="daily budget of $10.00 spent",
            limit="day",
            spent_usd=10.02,
            limit_usd=10.0,
        ),
    ),
    EventType(
        "approval.requested",
        "a phase, a request (POST /approvals) or a workflow's approval step waits for a "
        "person's decision",
        _job(
            phase="architecture",
            status="waiting_approval",
            approval_id="01JF3ZB1C2D3E4F5G6H7J8K9M0",
            kind="phase",
        ),
    ),
    EventType(
        "approval.decided",
        "a request (POST /approvals, a workflow's approval step) was approved or rejected",
        {
            "team_id": _TEAM,
            "approval_id": "01JF3ZB1C2D3E4F5G6H7J8K9M0",
            "kind": "request",
            "title": "Ship 1.2 to production",
            "status": "approved",
            "decided_by": "01JF3Z9ADM1N0000000000000A",
            "reason": None,
            "payload": {"version": "1.2.0"},
            "origin": None,
        },
    ),
    EventType(
        "workflow.run.started",
        "a workflow run started: its steps run as their dependencies pass",
        {
            "team_id": _TEAM,
            "workflow_id": "01JF3ZC1D2E3F4G5H6J7K8M9N0",
            "run_id": "01JF3ZC9R8Q7P6N5M4K3J2H1G0",
            "status": "running",
            "error": None,
        },
    ),
    EventType(
        "workflow.run.completed",
        "a workflow run ended with every step passed",
        {
            "team_id": _TEAM,
            "workflow_id": "01JF3ZC1D2E3F4G5H6J7K8M9N0",
            "run_id": "01JF3ZC9R8Q7P6N5M4K3J2H1G0",
            "status": "completed",
            "error": None,
        },
    ),
    EventType(
        "workflow.run.failed",
        "a workflow run ended with a step failed (its dependents failed with it)",
        {
            "team_id": _TEAM,
            "workflow_id": "01JF3ZC1D2E3F4G5H6J7K8M9N0",
            "run_id": "01JF3ZC9R8Q7P6N5M4K3J2H1G0",
            "status": "failed",
            "error": "step deploy: the webhook answered 500",
        },
    ),
    EventType(
        "workflow.run.cancelled",
        "a workflow run was cancelled: its execution stopped, its tasks cancelled",
        {
            "team_id": _TEAM,
            "workflow_id": "01JF3ZC1D2E3F4G5H6J7K8M9N0",
            "run_id": "01JF3ZC9R8Q7P6N5M4K3J2H1G0",
            "status": "cancelled",
            "error": None,
        },
    ),
    EventType(
        "job.completed",
        "a job finished: every phase passed",
        _job(status="completed", tokens_in=18234, tokens_out=40211, cost_usd=0.42),
    ),
    EventType(
        "job.failed",
        "a job ended failed",
        _job(status="failed", phase="tests", message="the tests phase failed 3 times"),
    ),
    EventType("job.cancelled", "a job was cancelled", _job(status="cancelled", phase="code")),
    EventType(
        "budget.threshold_crossed",
        "the team's spend crossed an alert threshold of its daily or monthly budget",
        {
            "team_id": _TEAM,
            "period": "day",
            "period_start": "2026-12-04",
            "threshold": 80,
            "spent_usd": 8.1,
            "limit_usd": 10.0,
        },
    ),
    *(
        EventType(
            f"circuit_breaker.{state}",
            f"a provider's circuit breaker {words}",
            {
                "team_id": _TEAM,
                "provider": "openai-main",
                "from": before,
                "to": after,
                "failures": failures,
                "reason": reason,
            },
        )
        for state, words, before, after, failures, reason in (
            ("opened", "opened: calls go to the fallback", "closed", "open", 5, "timeout"),
            ("half_opened", "lets a probe call through", "open", "half_open", 5, "cool-down"),
            ("closed", "closed again: the provider answers", "half_open", "closed", 0, "probe"),
        )
    ),
    EventType(
        "hook.received",
        "an inbound webhook source received a verified event",
        {
            "team_id": _TEAM,
            "source_id": "01JF3ZC1D2E3F4G5H6J7K8M9N0",
            "event_id": "01JF3ZC9Z8Y7X6W5V4T3S2R1Q0",
            "sender_type": "push",
            "scheme": "github",
        },
    ),
    EventType(
        "trigger.fired",
        "a trigger fired: its run's outcome (started, succeeded, failed, skipped) and the job, "
        "task or workflow run it started",
        {
            "team_id": _TEAM,
            "trigger_id": "01JF3ZE2F3G4H5J6K7M8N9P0Q1",
            "name": "weekday build",
            "run_id": "01JF3ZE3G4H5J6K7M8N9P0Q1R2",
            "outcome": "started",
            "job_id": "01JF3Z9A1B2C3D4E5F6G7H8J9K",
            "task_id": None,
            "workflow_run_id": None,
            # 1, or one more than the trigger.* event that fired it (cycles stop at 5).
            "chain": 1,
        },
    ),
    EventType(
        "trigger.paused",
        "a trigger's action failed too many times in a row and the trigger was paused",
        {
            "team_id": _TEAM,
            "trigger_id": "01JF3ZE2F3G4H5J6K7M8N9P0Q1",
            "name": "weekday build",
            "failures": 5,
            "error": "agent 01JF3ZA1B2C3D4E5F6G7H8J9K0 not found",
        },
    ),
    EventType(
        ENDPOINT_DISABLED,
        "a webhook endpoint failed for 5 days without a success and was disabled",
        {
            "team_id": _TEAM,
            "webhook_id": "01JF3ZD1E2F3G4H5J6K7M8N9P0",
            "url": "https://example.com/hooks",
            "failing_since": "2026-11-29T10:00:00+00:00",
            "reason": "failing since 2026-11-29T10:00:00+00:00 without a success for 5 days",
        },
    ),
    EventType(
        "chat.completed",
        "a chat ticket (POST /chat, a conversation's message) was answered; pushed live to "
        "its own user's sockets only",
        _chat(
            status="completed",
            result="Paris is the capital of France.",
            tokens=42,
            cost_usd=0.00012,
        ),
    ),
    EventType(
        "chat.failed",
        "a chat ticket could not be answered, with the reason; pushed live to its own "
        "user's sockets only",
        _chat(status="failed", error="provider openai-main: no provider answered"),
    ),
    EventType("task.created", "a task was created (queued for its agent, or pending)", _task()),
    EventType(
        "task.updated",
        "a task changed: its fields, started running (by the runner or a worker), put back "
        "in the queue, or cancelled",
        _task(status="running"),
    ),
    EventType(
        "task.completed",
        "a task's agent finished it: the result, tokens and cost",
        _task(status="completed", result="Three fixes, one new endpoint.", cost_usd=0.0004),
    ),
    EventType(
        "task.failed",
        "a task could not be done, with the reason",
        _task(status="failed", error="agent 'Writer': no provider answered"),
    ),
    EventType(
        "worker.online",
        "a worker that had been marked offline sent a heartbeat again",
        _worker(status="online"),
    ),
    EventType(
        "worker.offline",
        "a worker sent no heartbeat for 90 s: marked offline, its running tasks queued again",
        _worker(status="offline"),
    ),
    EventType(
        "message.new",
        "an agent sent another agent of the team a message (read it by id)",
        {
            "team_id": _TEAM,
            "message_id": "01JF3ZN1P2Q3R4S5T6V7W8X9Y0",
            "sender_agent_id": "01JF3ZJ1K2M3N4P5Q6R7S8T9V0",
            "recipient_agent_id": "01JF3ZP1Q2R3S4T5V6W7X8Y9Z0",
            "channel": "general",
            "subject": "Review ready",
        },
    ),
    EventType(
        "collaboration.message",
        "a participant posted in a collaboration session (read the text from the session)",
        {
            "team_id": _TEAM,
            "session_id": "01JF3ZQ1R2S3T4V5W6X7Y8Z9A0",
            "message_id": "01JF3ZR1S2T3V4W5X6Y7Z8A9B0",
            "agent_id": "01JF3ZJ1K2M3N4P5Q6R7S8T9V0",
            "message_type": "proposal",
        },
    ),
    EventType(
        "collaboration.closed",
        "a collaboration session was closed: it takes no more messages or context changes",
        {
            "team_id": _TEAM,
            "session_id": "01JF3ZQ1R2S3T4V5W6X7Y8Z9A0",
            "name": "API design review",
            "message_count": 12,
        },
    ),
    EventType(
        "code_review.opened",
        "a code review was opened: a job's reviewer phase, or a task whose result holds code",
        _review(),
    ),
    EventType(
        "code_review.approved",
        "a code review was approved",
        _review(status="approved", decided_by="01JF3ZB1C2D3E4F5G6H7J8K9M0"),
    ),
    EventType(
        "code_review.rejected",
        "a code review was rejected, with the reason",
        _review(
            status="rejected",
            decided_by="01JF3ZB1C2D3E4F5G6H7J8K9M0",
            reason="the handler swallows errors",
        ),
    ),
    EventType(
        "code_review.commented",
        "someone commented on an open code review (read the text from the review)",
        {
            "team_id": _TEAM,
            "review_id": "task01JF3ZH1J2K3M4N5P6Q7R8S9T0",
            "comment_id": "01JF3ZS1T2V3W4X5Y6Z7A8B9C0",
            "author_kind": "user",
            "author_id": "01JF3ZB1C2D3E4F5G6H7J8K9M0",
            "path": "app/main.py",
            "line": 12,
        },
    ),
    EventType(
        "demo.created",
        "a demo app was saved: its page is in S3, calling only its selected APIs",
        _demo(),
    ),
    EventType("demo.updated", "a demo app's content was replaced, and its page with it", _demo()),
    EventType("demo.deleted", "a demo app and its page were deleted", _demo()),
    EventType(
        "dashboard.metrics",
        "the team's dashboard figures changed (an order paid, refunded or ended; a product "
        "made, published or edited; a support session opened, escalated or closed): the "
        "figures as they now stand, as GET /admin/dashboard answers them",
        {
            "team_id": _TEAM,
            "products_drafts": 1,
            "products_published": 4,
            "products_listed": 3,
            "orders_paid": 12,
            "revenue_usd": 114.0,
            "refunded_usd": 9.5,
            "support_open": 2,
            "support_escalated": 1,
            "support_capped": False,
            "generated_at": "2026-12-05T10:00:00+00:00",
        },
    ),
    EventType(
        TEST,
        "sent by POST /webhooks/{id}/test to check an endpoint",
        {"team_id": _TEAM, "webhook_id": "01JF3ZD1E2F3G4H5J6K7M8N9P0", "message": "hello"},
    ),
)

TYPES: frozenset[str] = frozenset(event.type for event in EVENT_TYPES)


def sample(event_type: str) -> dict[str, Any]:
    return next(event.sample for event in EVENT_TYPES if event.type == event_type)

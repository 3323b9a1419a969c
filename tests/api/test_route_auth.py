"""Every registered route, walked: who may call it, and that another team's ids are 404.

The walks read the routes from the group apps, so a route added later is covered without
touching this file; a route that fits none of the rules fails here until it is reviewed.
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from functions.registry import GROUPS
from shared.auth.dependencies import (
    AUTH_DEPENDENCIES,
    authenticate,
    require_admin,
    require_user,
)
from shared.customers.auth import current_customer
from tests.factories import STRONG_PASSWORD


@dataclass(frozen=True)
class Operation:
    group: str
    method: str
    path: str  # as registered: /api/v1/jobs/{job_ref}
    route: APIRoute

    @property
    def params(self) -> list[str]:
        return [param.name for param in self.route.dependant.path_params]

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def _operations() -> list[Operation]:
    found = []
    for group in GROUPS:
        app = importlib.import_module(group.app_module).app
        for context in iter_route_contexts(app.routes):
            route = context.original_route
            if isinstance(route, APIRoute) and context.path:
                # As the document names it: a parameter's convertor (`{file_id:ulid}`) off.
                path = re.sub(r"\{(\w+):\w+\}", r"{\1}", context.path)
                for method in sorted(route.methods - {"HEAD"}):
                    found.append(Operation(group.name, method, path, route))
    return found


OPERATIONS = _operations()


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _checks_caller(operation: Operation) -> set[Any]:
    return set(_calls(operation.route.dependant)) & set(AUTH_DEPENDENCIES)


def _checks_customer(operation: Operation) -> bool:
    return current_customer in set(_calls(operation.route.dependant))


# Reviewed: each of these answers without a caller, and says why.
PUBLIC = {
    # Probes, service info and the API description.
    "GET /api/v1",
    "GET /api/v1/health",
    "GET /api/v1/healthz",
    "GET /api/v1/ready",
    "GET /api/v1/readyz",
    "GET /api/v1/openapi.json",
    "GET /api/v1/docs",
    # Public keys, for anyone verifying our tokens.
    "GET /api/v1/.well-known/jwks.json",
    # Getting credentials in the first place (each rate-limited per address).
    "POST /api/v1/auth/register",
    "POST /api/v1/auth/login",
    "POST /api/v1/auth/refresh",
    # Checks the X-Admin-Key header itself.
    "POST /api/v1/auth/token",
    # Inbound webhooks: the sender's signature with the source's secret is the credential.
    "POST /api/v1/hooks/{source_id}",
    # Deployed agents: public by choice, or the deployment's own key is the credential.
    "POST /api/v1/rest/{friendly_name}",
    "GET /api/v1/rest/{friendly_name}/openapi.json",
    # Seed 002: a client's log entry (a client fails before its user signs in, too); capped
    # in size and rate-limited per address.
    "POST /api/v1/log/client",
    # The storefront: listed products only, which their teams published for anyone to see.
    "GET /api/v1/products",
    "GET /api/v1/products/categories",
    "GET /api/v1/products/{product_id}",
    # Storefront customers getting credentials (each rate-limited per address).
    "POST /api/v1/customer/register",
    "POST /api/v1/customer/login",
    "POST /api/v1/customer/refresh",
    # The built-in test provider's hosted page: the checkout id is the credential, as a
    # hosted checkout's URL is (rate-limited per address).
    "GET /api/v1/payment/test-checkout/{checkout_id}",
    "POST /api/v1/payment/test-checkout/{checkout_id}/pay",
    # Support chat: opening a session is public (rate-limited per address); every later
    # call carries the session's own token (X-AIF-Support-Token), which the service checks:
    # 401 without it (tests/api/test_support_api.py).
    "POST /api/v1/support/sessions",
    "GET /api/v1/support/sessions/{support_session_id}",
    "POST /api/v1/support/sessions/{support_session_id}/messages",
    "GET /api/v1/support/sessions/{support_session_id}/messages",
    "GET /api/v1/support/sessions/{support_session_id}/replies/{reply_id}",
    "POST /api/v1/support/sessions/{support_session_id}/escalate",
    "POST /api/v1/support/sessions/{support_session_id}/close",
    # The AI Market v1: machines have no account. The catalog, plans and bills are public;
    # a paid call is paid from a payment channel whose token (X-AI-Market-Token) is its
    # credential: 402 without one, 401 with a wrong one (tests/api/test_ai_market_api.py).
    "GET /api/v1/.well-known/ai-market.json",
    "GET /api/v1/ai-market/manifest",
    "POST /api/v1/ai-market/discover",
    "POST /api/v1/capabilities/{pid}/{cid}/invoke",
    "POST /api/v1/ai-market/channel/open",
    "GET /api/v1/ai-market/channels/{channel_id}",
    "POST /api/v1/ai-market/channel/close",
    "POST /api/v1/ai-market/pipelines",
    # Ratings of listed products (per address); a customer token, when sent, is checked
    # (401 when invalid) and makes it that account's one rating (test_feedback_api.py).
    "POST /api/v1/feedback",
    "GET /api/v1/feedback/products/{product_id}",
    # Marketing: the storefront's highlights and share cards (listed products only);
    # subscribing (per address, confirmed by the address itself), and the e-mailed tokens
    # as the credential to confirm or end it (tests/api/test_marketing_api.py).
    "GET /api/v1/marketing/highlights",
    "GET /api/v1/marketing/products/{product_id}/card",
    "POST /api/v1/marketing/subscribe",
    "POST /api/v1/marketing/confirm",
    "POST /api/v1/marketing/unsubscribe",
    # Storefront telemetry from product pages' clients (size-capped, per address).
    "POST /api/v1/telemetry/events",
    # Sandbox previews of listed web products: anyone may look (opening one is limited per
    # address); a preview's id is its link, as a shared link is.
    "POST /api/v1/sandbox/previews",
    "GET /api/v1/sandbox/previews/{preview_id}",
    "GET /api/v1/sandbox/previews/{preview_id}/site/{file_path}",
}
# Reviewed: a storefront customer's routes, which check a customer token (never a team's).
CUSTOMER_ROUTES = {
    "POST /api/v1/customer/logout",
    "GET /api/v1/customer/me",
    "GET /api/v1/customer/entitlements",
    "POST /api/v1/customer/entitlements",
    "GET /api/v1/customer/downloads/{product_id}",
    "GET /api/v1/customer/orders/{order_id}",
    "POST /api/v1/payment/checkout",
}
# Reviewed: what an agent identity may call (read its jobs, know who it is).
AGENT_ROUTES = {
    "GET /api/v1/auth/me",
    "GET /api/v1/jobs",
    "GET /api/v1/jobs/{job_ref}",
    "GET /api/v1/jobs/{job_ref}/phases",
    "GET /api/v1/jobs/{job_ref}/events",
    "GET /api/v1/jobs/{job_ref}/code/tree",
    "GET /api/v1/jobs/{job_ref}/code/file",
    # Seed 004: an agent checks in on a board and lists its tasks (tasks group).
    "POST /api/v1/agent/heartbeat",
    "GET /api/v1/agent/boards/{board_id}/tasks",
}


def test_every_route_checks_its_caller_or_is_reviewed_public() -> None:
    customers = {op.id for op in OPERATIONS if _checks_customer(op)}
    unchecked = {op.id for op in OPERATIONS if not _checks_caller(op)} - customers

    assert customers == CUSTOMER_ROUTES
    assert unchecked - PUBLIC == set(), "add an auth dependency, or review it into PUBLIC"
    assert PUBLIC - {op.id for op in OPERATIONS} == set(), "PUBLIC names a route that is gone"
    assert PUBLIC & {op.id for op in OPERATIONS if _checks_caller(op)} == set()


def test_only_the_reviewed_routes_admit_agents() -> None:
    marked = {op.id for op in OPERATIONS if _checks_caller(op) == {authenticate}}

    assert marked == AGENT_ROUTES


def test_every_admin_route_requires_an_admin() -> None:
    admin_paths = {op.id for op in OPERATIONS if op.path.startswith("/api/v1/admin")}
    guarded = {op.id for op in OPERATIONS if require_admin in _checks_caller(op)}

    assert admin_paths
    assert admin_paths <= guarded
    assert require_user in AUTH_DEPENDENCIES


# --- the same rules, over HTTP -------------------------------------------------------


@dataclass
class Team:
    client: TestClient
    headers: dict[str, str]
    ids: dict[str, str]


def _register(client: TestClient, email: str, **extra: Any) -> dict[str, str]:
    body = {"email": email, "password": STRONG_PASSWORD, **extra}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    signed_in = client.post(
        "/api/v1/auth/login", json={"email": email, "password": STRONG_PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    client.cookies.clear()  # the walks below send exactly the credential they mean to
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


def _client(address: str) -> TestClient:
    from tools.local.gateway import LocalGateway

    return TestClient(LocalGateway(), raise_server_exceptions=False, client=(address, 50000))


def _waiting_job(client: TestClient, headers: dict[str, str]) -> str:
    created = client.post(
        "/api/v1/jobs",
        headers=headers,
        json={"name": "Owned", "platform": "web", "approval_gates": ["architect"]},
    )
    assert created.status_code == 202, created.text
    job_id: str = created.json()["id"]
    deadline = time.monotonic() + 60
    while client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()["status"] != (
        "waiting_approval"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return job_id


_NO_RECEIVER = "http://127.0.0.1:9/hook"


def _notification(team_id: str) -> str:
    """An item in team A's admin's inbox, made by the notifier for an event."""
    from shared.identity.store import users
    from shared.notifications import inbox_store, notifier
    from shared.pagination import PageParams

    event = {"id": "owned-event", "detail-type": "job.failed", "detail": {"team_id": team_id}}
    assert notifier.notify(event).notes
    [admin] = [user for user in users.users_page(team_id, PageParams())[0] if user.role == "admin"]
    [note] = inbox_store.page(team_id, admin.user_id, PageParams(), unread_only=False)[0]
    return note.id


def _code_review(team_id: str) -> str:
    """A code review of team A, opened as a completed task with code opens one."""
    from shared.approvals import reviews
    from shared.ids import new_id
    from shared.tasks.domain import Task

    task = Task(
        team_id=team_id,
        id=new_id(),
        title="Owned",
        instructions="keep",
        status="completed",
        result="```python\nprint('owned')\n```\n",
    )
    review = reviews.open_for_task(task)
    assert review is not None
    return review.id


def _demo(team_id: str) -> str:
    """A demo app of team A, stored as POST /demos stores one (its page is not needed to
    walk its routes)."""
    from shared.demos import store
    from shared.demos.domain import Demo, GeneratedCode
    from shared.ids import new_id, utcnow

    now = utcnow()
    demo = Demo(
        team_id=team_id,
        id=new_id(),
        name="Owned",
        description="",
        selected_apis=("owned-api",),
        api_urls=("http://127.0.0.1:8000/api/v1/rest/owned-api",),
        model_config=None,
        user_prompt="",
        generated_code=GeneratedCode(html="<p>owned</p>"),
        composer_thoughts=None,
        created_by="owner",
        created_at=now,
        updated_at=now,
    )
    return store.create_demo(demo).id


def _wipe(team_id: str) -> str:
    """A wipe of team A, recorded (queued) but never sent to the worker."""
    from shared import team_wipe_store as wipes

    return wipes.start(team_id, requested_by="owner").wipe_id


@pytest.fixture(scope="module")
def owner(aws: None) -> Iterator[Team]:
    """Team A, with one resource of every kind a path names."""
    client = _client("198.51.100.10")
    headers = _register(client, "owner-a@example.com")
    job_id = _waiting_job(client, headers)
    approval_id = client.get("/api/v1/approvals", headers=headers).json()["items"][0]["id"]
    project = client.post("/api/v1/projects", headers=headers, json={"name": "Owned project"})
    api_key = client.post("/api/v1/security/api-keys", headers=headers, json={"name": "k"})
    agent = client.post("/api/v1/security/agent-tokens", headers=headers, json={"name": "a"})
    invitation = client.post(
        "/api/v1/admin/users", headers=headers, json={"email": "member-a@example.com"}
    ).json()
    member_headers = _register(
        client, "member-a@example.com", invitation_token=invitation["invitation_token"]
    )
    member_id = client.get("/api/v1/auth/me", headers=member_headers).json()["id"]
    llm_agent = client.post(
        "/api/v1/agents",
        headers=headers,
        json={
            "name": "Owned agent",
            "role": "dev",
            "llm_provider": "templates",
            "llm_model": "templates-1",
        },
    )
    assert llm_agent.status_code == 201, llm_agent.text
    memory = client.post(
        f"/api/v1/agents/{llm_agent.json()['id']}/memories",
        headers=headers,
        json={"content": "Team A's own note"},
    )
    assert memory.status_code == 201, memory.text
    provider = client.post(
        "/api/v1/providers", headers=headers, json={"name": "owned", "kind": "templates"}
    )
    assert provider.status_code == 201, provider.text
    source = client.post(
        "/api/v1/webhooks/sources", headers=headers, json={"name": "owned", "scheme": "github"}
    )
    assert source.status_code == 201, source.text
    # Nothing listens on port 9 (discard): the test delivery fails at once, and is recorded.
    webhook = client.post(
        "/api/v1/webhooks", headers=headers, json={"url": _NO_RECEIVER, "events": ["*"]}
    )
    assert webhook.status_code == 201, webhook.text
    delivery = client.post(f"/api/v1/webhooks/{webhook.json()['id']}/test", headers=headers)
    assert delivery.status_code == 200, delivery.text
    dead_letter = client.post(
        "/api/v1/dead-letter",
        headers=headers,
        json={"error": "owned", "payload": {"team": "a"}, "origin_queue": "hook-events"},
    )
    assert dead_letter.status_code == 201, dead_letter.text
    rule = client.post(
        "/api/v1/notifications/rules",
        headers=headers,
        json={"name": "owned", "event": "job.failed", "recipients": [{"type": "team"}]},
    )
    assert rule.status_code == 201, rule.text
    channel = client.post(
        "/api/v1/notifications/channels",
        headers=headers,
        json={"name": "owned", "type": "webhook", "config": {"url": _NO_RECEIVER}},
    )
    assert channel.status_code == 201, channel.text
    note = _notification(client.get("/api/v1/auth/me", headers=headers).json()["team_id"])
    trigger = client.post("/api/v1/triggers", headers=headers, json=_TRIGGER)
    assert trigger.status_code == 201, trigger.text
    chat = {"messages": [{"role": "user", "content": "hi"}], "provider": "templates"}
    ticket = client.post("/api/v1/chat", headers=headers, json=chat)
    assert ticket.status_code == 202, ticket.text
    conversation = client.post("/api/v1/chat/conversations", headers=headers, json={})
    assert conversation.status_code == 201, conversation.text
    session = client.post(
        "/api/v1/sessions/owned-session/config", headers=headers, json={"provider": "templates"}
    )
    assert session.status_code == 200, session.text
    board = client.post("/api/v1/boards", headers=headers, json={"name": "Owned"})
    assert board.status_code == 201, board.text
    task = client.post(
        "/api/v1/tasks",
        headers=headers,
        json={"title": "Owned", "instructions": "keep", "board_id": board.json()["id"]},
    )
    assert task.status_code == 201, task.text
    workflow = client.post("/api/v1/workflows", headers=headers, json={"name": "Owned"})
    assert workflow.status_code == 201, workflow.text
    step = client.post(
        f"/api/v1/workflows/{workflow.json()['id']}/steps",
        headers=headers,
        json={"name": "owned", "step_type": "wait", "config": {"seconds": 1}},
    )
    assert step.status_code == 201, step.text
    run = client.post(f"/api/v1/workflows/{workflow.json()['id']}/run", headers=headers)
    assert run.status_code == 202, run.text
    worker = client.post(
        "/api/v1/workers/register", headers=headers, json={"name": "Owned", "hostname": "h"}
    )
    assert worker.status_code == 201, worker.text
    message = client.post(
        "/api/v1/messages/send",
        headers=headers,
        json={
            "sender_agent_id": llm_agent.json()["id"],
            "recipient_agent_id": llm_agent.json()["id"],
            "body": "owned",
        },
    )
    assert message.status_code == 201, message.text
    review = _code_review(client.get("/api/v1/auth/me", headers=headers).json()["team_id"])
    session = client.post(
        "/api/v1/collaboration",
        headers=headers,
        json={"name": "Owned", "participants": [llm_agent.json()["id"]]},
    )
    assert session.status_code == 201, session.text
    sign_ins = client.get("/api/v1/security/sessions", headers=headers)
    assert sign_ins.status_code == 200, sign_ins.text
    ip_rule = client.post(
        "/api/v1/security/ip-rules",
        headers=headers,
        json={"cidr": "100.64.0.0/10", "action": "block"},  # no walk comes from there
    )
    assert ip_rule.status_code == 201, ip_rule.text
    ids = {
        "name": provider.json()["name"],
        "model": "templates-1",
        "job_ref": job_id,
        "approval_id": approval_id,
        "project_ref": project.json()["id"],
        "key_id": api_key.json()["id"],
        "token_id": agent.json()["id"],
        "user_id": member_id,
        "invitation_id": invitation["id"],
        "agent_id": llm_agent.json()["id"],
        "memory_id": memory.json()["id"],
        "source_id": source.json()["id"],
        "webhook_id": webhook.json()["id"],
        "delivery_id": delivery.json()["delivery_id"],
        "dead_letter_id": dead_letter.json()["id"],
        "rule_id": rule.json()["id"],
        "channel_id": channel.json()["id"],
        "notification_id": note,
        "trigger_id": trigger.json()["id"],
        "ticket_id": ticket.json()["ticket_id"],
        "conversation_id": conversation.json()["id"],
        "session_id": "owned-session",
        "board_id": board.json()["id"],
        "task_id": task.json()["id"],
        "workflow_id": workflow.json()["id"],
        "step_id": step.json()["id"],
        "run_id": run.json()["run_id"],
        "worker_id": worker.json()["id"],
        "message_id": message.json()["id"],
        "review_id": review,
        "collaboration_id": session.json()["id"],
        "family_id": sign_ins.json()["items"][0]["id"],
        "ip_rule_id": ip_rule.json()["id"],
        "demo_id": _demo(client.get("/api/v1/auth/me", headers=headers).json()["team_id"]),
        "entry_id": client.post(
            "/api/v1/knowledge",
            headers=headers,
            json={"title": "Owned entry", "content": "team A's own knowledge"},
        ).json()["id"],
        "connection_id": client.post(
            "/api/v1/ssh-connections",
            headers=headers,
            json={
                "name": "Owned host",
                "hostname": "127.0.0.1",
                "username": "owner",
                "auth_method": "password",
                "password": "owned-password",
            },
        ).json()["id"],
        "secret_id": client.post(
            "/api/v1/secrets",
            headers=headers,
            json={"name": "OWNED_SECRET", "value": "team A's own secret"},
        ).json()["id"],
        "file_id": client.post(
            "/api/v1/files/upload",
            headers=headers,
            files={"file": ("owned.txt", b"team A's own file", "text/plain")},
        ).json()["id"],
        # A draft product of team A (the admin part publishes and edits them).
        "product_id": _draft_product(client.get("/api/v1/auth/me", headers=headers).json()),
        # An order of team A as a seller, paid (as its provider's event leaves one).
        "order_id": _paid_order(client.get("/api/v1/auth/me", headers=headers).json()),
        # A visitor's support session on a product of team A, escalated to its queue.
        "support_session_id": _support_session(
            client.get("/api/v1/auth/me", headers=headers).json()
        ),
        # A visitor's rating of a product of team A.
        "feedback_id": _feedback(client.get("/api/v1/auth/me", headers=headers).json()),
        # Recorded as POST /settings/wipe records one, never queued: nothing is wiped.
        "wipe_id": _wipe(client.get("/api/v1/auth/me", headers=headers).json()["team_id"]),
        # A setting every team has, not a resource (see CATALOG below).
        "category": "pipeline",
        "key": "max_repair_attempts",
        # A shipped template: every team's to read and install (see CATALOG below).
        "template_id": "release-checklist",
        # An export's format: a file type, not a resource (see FORMATS below).
        "format": "csv",
        # Not ids: carried along for the agent and member walks below.
        "agent_token": agent.json()["key"],
        "member_token": member_headers["Authorization"],
    }
    yield Team(client, headers, ids)
    client.close()


@pytest.fixture(scope="module")
def intruder(aws: None) -> Iterator[Team]:
    """Team B's admin: every right in its own team, none in A's."""
    client = _client("198.51.100.20")
    yield Team(client, _register(client, "admin-b@example.com"), {})
    client.close()


# A trigger that never fires within a test run (a schedule far ahead).
_TRIGGER = {
    "name": "owned",
    "type": "schedule",
    "config": {"cron": "0 9 1 1 ? 2199"},
    "action": {"type": "start_job", "job": {"name": "Owned", "platform": "web"}},
}

# Bodies that pass validation, so the answer shows what the route does with the id.
BODIES: dict[str, dict[str, Any]] = {
    "PATCH /api/v1/admin/pipeline/products/{product_id}/marketplace-copy": {"name": "Taken"},
    "PATCH /api/v1/admin/pipeline/products/{product_id}/storefront-admin": {"hidden": True},
    "PATCH /api/v1/admin/pipeline/products/{product_id}/followup": {"instructions": "planted"},
    "POST /api/v1/admin/support-queue/{support_session_id}/reply": {"content": "planted"},
    "PUT /api/v1/triggers/{trigger_id}": {**_TRIGGER, "name": "Taken over"},
    "PUT /api/v1/projects/{project_ref}": {"name": "Taken over"},
    "POST /api/v1/jobs/{job_ref}/publish": {"category": "planted"},
    "PUT /api/v1/knowledge/{entry_id}": {"title": "Taken over", "content": "planted"},
    "PUT /api/v1/admin/users/{user_id}": {"role": "admin"},
    "PATCH /api/v1/agents/{agent_id}": {"name": "Taken over"},
    "PATCH /api/v1/agents/{agent_id}/deployment": {"price_usd": 0},
    "PUT /api/v1/agents/{agent_id}": {
        "name": "Taken over",
        "role": "dev",
        "llm_provider": "templates",
        "llm_model": "templates-1",
    },
    "POST /api/v1/agents/config/{agent_id}": {"phase": "dev"},
    "PATCH /api/v1/providers/{name}": {"enabled": False},
    "POST /api/v1/providers/{name}": {"kind": "templates"},
    "POST /api/v1/agents/{agent_id}/memories": {"content": "planted"},
    "PUT /api/v1/agents/memories/{memory_id}": {"content": "rewritten"},
    "PUT /api/v1/webhooks/{webhook_id}": {"url": "http://127.0.0.1:9/taken", "events": ["*"]},
    "PUT /api/v1/notifications/channels/{channel_id}": {"name": "Taken over", "type": "in_app"},
    "POST /api/v1/chat/conversations/{conversation_id}/messages": {"content": "planted"},
    "PATCH /api/v1/tasks/{task_id}": {"title": "Taken over"},
    "PATCH /api/v1/boards/{board_id}": {"name": "Taken over"},
    "POST /api/v1/workers/{worker_id}/heartbeat": {
        "cpu_usage_percent": 1,
        "memory_usage_percent": 1,
        "disk_usage_percent": 1,
    },
    "POST /api/v1/workers/{worker_id}/tasks/{task_id}/complete": {"status": "completed"},
    "PATCH /api/v1/admin/workers/{worker_id}/approve": {"is_approved": True},
    "POST /api/v1/workflows/{workflow_id}/steps": {
        "name": "planted",
        "step_type": "wait",
        "config": {"seconds": 1},
    },
    "PATCH /api/v1/workflows/{workflow_id}/steps/{step_id}": {"name": "Taken over"},
    "POST /api/v1/code-reviews/{review_id}/comment": {"body": "planted"},
    "POST /api/v1/collaboration/{collaboration_id}/messages": {
        "agent_id": "01JF3ZA1B2C3D4E5F6G7H8J9K0",
        "message": "planted",
    },
    "POST /api/v1/collaboration/{collaboration_id}/context": {"planted": True},
    "PUT /api/v1/demos/{demo_id}": {
        "name": "Taken over",
        "selectedApis": ["owned-api"],
        "generatedCode": {"html": "<p>planted</p>"},
    },
    "PUT /api/v1/ssh-connections/{connection_id}": {"name": "Taken over"},
    "PUT /api/v1/secrets/{secret_id}": {"name": "TAKEN_OVER"},
    "POST /api/v1/secrets/{secret_id}/rotate": {"value": "planted"},
    "POST /api/v1/secrets/{secret_id}/reveal": {},
    "POST /api/v1/ssh-connections/{connection_id}/execute": {"command": "echo planted"},
    "PUT /api/v1/notifications/rules/{rule_id}": {
        "name": "Taken over",
        "event": "job.failed",
        "recipients": [{"type": "team"}],
    },
}


def _draft_product(me: dict[str, Any]) -> str:
    from shared.products.service import create_draft

    return create_draft(
        me["team_id"], job_id=None, name="Owned", category="owned", description="A's", actor="a"
    ).id


def _support_session(me: dict[str, Any]) -> str:
    from shared.ids import new_id, utcnow
    from shared.support.domain import SupportSession
    from shared.support.store import create_session

    now = utcnow()
    session = SupportSession(
        id=new_id(),
        team_id=me["team_id"],
        product_id=new_id(),
        product_name="Owned",
        status="escalated",
        created_at=now,
        updated_at=now,
        token_digest="0" * 64,
    )
    return create_session(session).id


def _feedback(me: dict[str, Any]) -> str:
    from shared.feedback.domain import Feedback
    from shared.feedback.store import add
    from shared.ids import new_id, utcnow

    now = utcnow()
    rating = Feedback(
        id=new_id(),
        team_id=me["team_id"],
        product_id=new_id(),
        rating=4,
        comment="team A's product",
        created_at=now,
        updated_at=now,
    )
    return add(rating).id


def _paid_order(me: dict[str, Any]) -> str:
    from shared.ids import new_id, utcnow
    from shared.payments.domain import Order
    from shared.payments.store import create_order

    order = Order(
        id=new_id(),
        team_id=me["team_id"],
        purpose="product",
        reference_id=new_id(),
        customer_id=None,
        amount_cents=500,
        currency="usd",
        description="Owned",
        provider="test",
        created_at=utcnow(),
        status="paid",
    )
    return create_order(order).id


def _url(operation: Operation, ids: dict[str, str]) -> str:
    missing = [name for name in operation.params if name not in ids]
    assert not missing, f"{operation.id}: give team A a resource for {missing} in `owner`"
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda match: ids[match.group(1)], operation.path)


def _query(operation: Operation) -> dict[str, str]:
    if operation.path.endswith("/recover"):
        return {"since": "2026-01-01T00:00:00Z"}
    return {"path": "index.html"} if operation.path.endswith("/code/file") else {}


# Reviewed: an upsert by name creates the resource in the caller's own team when the name
# is new there (seed 001's `POST /providers/{name}`): another team's name is just a name.
UPSERTS = {"POST /api/v1/providers/{name}"}
# A session id is the client's own name (seed 002): another team's caller configures a
# session of its own under it (the owner's stays the owner's, as the chat tests check).
UPSERTS |= {"POST /api/v1/sessions/{session_id}/config"}
# A marketplace template id names the shipped catalog, not a team's resource: every team
# reads it and installs it into its own team (tests/api/test_marketplace_api.py checks one
# team's install neither shows nor reaches another's objects).
CATALOG = {
    "GET /api/v1/marketplace/templates/{template_id}",
    "POST /api/v1/marketplace/templates/{template_id}/install",
}
# An export's format names a file type, not a team's resource: each team exports its own
# data in it (tests/api/test_analytics_api.py checks an export holds none of another's).
FORMATS = {"GET /api/v1/exports/{format}"}
# A setting's category and key name a setting every team has, not a team's resource: each
# team changes its own (tests/api/test_settings_categories.py checks a team's value).
CATALOG |= {"PUT /api/v1/settings/{category}/{key}"}
# A public route's id is not a tenant's: its caller has no team to be refused by (an
# inbound webhook unsigned is 401 whoever posts it).
# A customer's routes answer for the customer a customer token names, never a team
# (tests/api/test_customers_api.py checks a customer reaches only what they are entitled to).
WITH_IDS = [
    op
    for op in OPERATIONS
    if op.params and op.id not in UPSERTS | PUBLIC | CATALOG | FORMATS | CUSTOMER_ROUTES
]


@pytest.mark.parametrize("operation", WITH_IDS, ids=[op.id for op in WITH_IDS])
def test_another_teams_resource_is_404(operation: Operation, owner: Team, intruder: Team) -> None:
    answer = intruder.client.request(
        operation.method,
        _url(operation, owner.ids),
        headers=intruder.headers,
        json=BODIES.get(operation.id),
        params=_query(operation),
    )

    assert answer.status_code == 404, answer.text
    assert set(answer.json()) == {"detail", "request_id"}


def test_an_upsert_by_another_team_makes_its_own_and_leaves_the_owners(
    owner: Team, intruder: Team
) -> None:
    assert {op.id for op in OPERATIONS} >= UPSERTS
    before = owner.client.get(
        f"/api/v1/providers/{owner.ids['name']}", headers=owner.headers
    ).json()

    answer = intruder.client.post(
        f"/api/v1/providers/{owner.ids['name']}",
        headers=intruder.headers,
        json={"kind": "templates", "enabled": False},
    )
    after = owner.client.get(f"/api/v1/providers/{owner.ids['name']}", headers=owner.headers)

    assert answer.status_code in (200, 201), answer.text
    assert after.json() == before


def test_team_a_still_has_everything_after_the_walk(owner: Team) -> None:
    for path in (
        f"/api/v1/jobs/{owner.ids['job_ref']}",
        f"/api/v1/approvals/{owner.ids['approval_id']}",
        f"/api/v1/projects/{owner.ids['project_ref']}",
        f"/api/v1/security/api-keys/{owner.ids['key_id']}",
        f"/api/v1/admin/users/{owner.ids['user_id']}",
        f"/api/v1/agents/{owner.ids['agent_id']}",
        f"/api/v1/agents/{owner.ids['agent_id']}/memory-stats",
        f"/api/v1/webhooks/{owner.ids['webhook_id']}/deliveries/{owner.ids['delivery_id']}",
        f"/api/v1/providers/{owner.ids['name']}",
        f"/api/v1/dead-letter/{owner.ids['dead_letter_id']}",
    ):
        assert owner.client.get(path, headers=owner.headers).status_code == 200, path
    assert (
        owner.client.get(
            f"/api/v1/admin/users/{owner.ids['user_id']}", headers=owner.headers
        ).json()["role"]
        == "member"
    )


NOT_PUBLIC = [op for op in OPERATIONS if op.id not in PUBLIC]


@pytest.mark.parametrize("operation", NOT_PUBLIC, ids=[op.id for op in NOT_PUBLIC])
def test_no_credential_is_401(operation: Operation, owner: Team) -> None:
    answer = owner.client.request(operation.method, _url(operation, owner.ids))

    assert answer.status_code == 401
    assert set(answer.json()) == {"detail", "request_id"}


# A customer route refuses a team's agent token as it refuses any team token: 401.
NOT_FOR_AGENTS = [op for op in NOT_PUBLIC if op.id not in AGENT_ROUTES | CUSTOMER_ROUTES]


@pytest.mark.parametrize("operation", NOT_FOR_AGENTS, ids=[op.id for op in NOT_FOR_AGENTS])
def test_an_agent_is_403_outside_its_routes(operation: Operation, owner: Team) -> None:
    # Its own team's ids: the role is what refuses it, not the tenant.
    agent = _client(f"2001:db8:a::{len(operation.id):x}{hash(operation.id) % 4096:x}")
    answer = agent.request(
        operation.method,
        _url(operation, owner.ids),
        headers={"X-Agent-Token": owner.ids["agent_token"]},
        json=BODIES.get(operation.id),
    )

    assert answer.status_code == 403, answer.text


ADMIN_ONLY = [op for op in OPERATIONS if require_admin in _checks_caller(op)]


@pytest.mark.parametrize("operation", ADMIN_ONLY, ids=[op.id for op in ADMIN_ONLY])
def test_a_member_is_403_on_admin_routes(operation: Operation, owner: Team) -> None:
    answer = owner.client.request(
        operation.method,
        _url(operation, owner.ids),
        headers={"Authorization": owner.ids["member_token"]},
        json=BODIES.get(operation.id),
    )

    assert answer.status_code == 403, answer.text

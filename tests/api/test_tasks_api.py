"""/tasks, /boards and /agent end to end: a task for a cloud agent run by task_runner
through the local pump (the router and the built-in template generator), a pending task,
stats from counters, cancel, a task for an agent on a worker (pulled, claimed, finished,
requeued), boards and agents checking in; every bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.tasks import service
from tests.factories import Account, assert_error, make_agent

TASKS = "/api/v1/tasks"
BOARDS = "/api/v1/boards"
TOKENS = "/api/v1/security/agent-tokens"
WORKER = "01JF3ZK1M2N3P4Q5R6S7T8V9W0"


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


def add_task(account: Account, **body: Any) -> Any:
    return account.client.post(
        TASKS,
        headers=account.headers,
        json={"title": "Summarise", "instructions": "Summarise the release notes", **body},
    )


def task_of(account: Account, task_id: str) -> dict[str, Any]:
    answer = account.client.get(f"{TASKS}/{task_id}", headers=account.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def stats_of(account: Account) -> dict[str, Any]:
    answer = account.client.get(f"{TASKS}/stats", headers=account.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_task_for_a_cloud_agent_is_queued_then_run_through_the_router(
    admin: Account, pump: Any, published: list[tuple[str, dict[str, Any]]]
) -> None:
    agent_id = make_agent(admin)
    answer = add_task(admin, agent_id=agent_id, priority="high")
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["status"] == "queued"
    assert "task_token" not in created

    pump.drain()

    task = task_of(admin, created["id"])
    assert task["status"] == "completed"
    assert task["result"]
    assert task["error"] is None
    # The template generator counts no tokens and costs nothing.
    assert task["tokens"] is None
    assert task["cost_usd"] == 0
    assert task["started_at"] is not None
    assert task["completed_at"] is not None
    kinds = [kind for kind, data in published if data.get("task_id") == created["id"]]
    assert kinds == ["task.created", "task.completed"]
    assert stats_of(admin) == {
        "by_status": {"completed": 1},
        "by_priority": {"high": 1},
        "total": 1,
    }

    # A redelivered message changes nothing: the task ended.
    from shared.tasks.runs import run_task

    again = run_task(admin.team_id, created["id"])
    assert again is not None
    assert again.status == "completed"
    assert task_of(admin, created["id"])["completed_at"] == task["completed_at"]
    assert len([k for k, d in published if d.get("task_id") == created["id"]]) == 2


def test_a_task_without_agent_is_pending_listed_by_status_and_cancelled(admin: Account) -> None:
    first = add_task(admin).json()
    second = add_task(admin, priority="critical").json()
    assert first["status"] == second["status"] == "pending"

    cancelled = admin.client.post(f"{TASKS}/{first['id']}/cancel", headers=admin.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert_error(admin.client.post(f"{TASKS}/{first['id']}/cancel", headers=admin.headers), 409)
    assert_error(
        admin.client.patch(f"{TASKS}/{first['id']}", headers=admin.headers, json={"title": "x"}),
        409,
    )

    pending = admin.client.get(TASKS, headers=admin.headers, params={"status": "pending"}).json()
    assert [item["id"] for item in pending["items"]] == [second["id"]]
    assert pending["total"] == 1
    everything = admin.client.get(TASKS, headers=admin.headers).json()
    assert [item["id"] for item in everything["items"]] == [second["id"], first["id"]]
    assert everything["total"] == 2
    assert stats_of(admin) == {
        "by_status": {"pending": 1, "cancelled": 1},
        "by_priority": {"medium": 1, "critical": 1},
        "total": 2,
    }

    patched = admin.client.patch(
        f"{TASKS}/{second['id']}", headers=admin.headers, json={"priority": "low", "title": "New"}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["priority"], patched.json()["title"]) == ("low", "New")
    assert stats_of(admin)["by_priority"] == {"medium": 1, "low": 1}


def test_assigning_an_agent_to_a_pending_task_runs_it(admin: Account, pump: Any) -> None:
    task_id = add_task(admin).json()["id"]
    agent_id = make_agent(admin)

    patched = admin.client.patch(
        f"{TASKS}/{task_id}", headers=admin.headers, json={"agent_id": agent_id}
    )
    assert patched.json()["status"] == "queued"
    pump.drain()

    assert task_of(admin, task_id)["status"] == "completed"
    assert_error(
        admin.client.patch(
            f"{TASKS}/{task_id}", headers=admin.headers, json={"agent_id": agent_id}
        ),
        409,
    )


def test_another_teams_agent_board_or_task_is_not_found(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    stranger = new_account()
    their_agent = make_agent(stranger)
    their_board = stranger.client.post(BOARDS, headers=stranger.headers, json={"name": "B"})
    their_task = add_task(stranger).json()["id"]

    assert_error(add_task(admin, agent_id=their_agent), 404)
    assert_error(add_task(admin, agent_id="01JF3ZJ1K2M3N4P5Q6R7S8T9V0"), 404)
    assert_error(add_task(admin, board_id=their_board.json()["id"]), 404)
    assert_error(admin.client.get(f"{TASKS}/{their_task}", headers=admin.headers), 404)
    assert_error(admin.client.post(f"{TASKS}/{their_task}/cancel", headers=admin.headers), 404)
    assert_error(admin.client.get(f"{TASKS}/not-an-id", headers=admin.headers), 404)
    # Nothing was stored for the refused ones.
    assert stats_of(admin)["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"instructions": "no title"},
        {"title": "no instructions"},
        {"title": "t", "instructions": "i", "priority": "urgent"},
        {"title": "t", "instructions": "i", "agent_id": None, "unknown": 1},
        {"title": " ", "instructions": "i"},
        # A deadline is an RFC 3339 string with its offset, as the document says.
        {"title": "t", "instructions": "i", "deadline": 0},
        {"title": "t", "instructions": "i", "deadline": "2026-12-31T17:00:00"},
    ],
)
def test_a_bad_task_is_422(admin: Account, body: dict[str, Any]) -> None:
    assert_error(admin.client.post(TASKS, headers=admin.headers, json=body), 422)


def test_a_deadline_is_kept_in_utc_and_not_changed_by_a_number(admin: Account) -> None:
    task = add_task(admin, deadline="2026-12-31T18:00:00+01:00").json()
    assert task["deadline"] == "2026-12-31T17:00:00Z"
    url = f"{TASKS}/{task['id']}"
    assert_error(admin.client.patch(url, headers=admin.headers, json={"deadline": 0}), 422)
    assert admin.client.get(url, headers=admin.headers).json()["deadline"] == task["deadline"]


def test_a_task_for_an_agent_on_a_worker_waits_for_the_worker(
    admin: Account, pump: Any, published: list[tuple[str, dict[str, Any]]]
) -> None:
    agent_id = make_agent(admin, worker_id=WORKER)
    created = add_task(admin, agent_id=agent_id).json()
    assert created["status"] == "queued"
    pump.drain()
    assert task_of(admin, created["id"])["status"] == "queued", "no cloud run for it"

    [pending] = service.pending_for_agents(admin.team_id, [agent_id], 10)
    assert pending.id == created["id"]
    claimed = service.claim_for_worker(admin.team_id, created["id"], WORKER)
    assert (claimed.status, claimed.worker_id) == ("running", WORKER)
    assert service.pending_for_agents(admin.team_id, [agent_id], 10) == []
    from shared.errors import Conflict

    with pytest.raises(Conflict):
        service.claim_for_worker(admin.team_id, created["id"], WORKER)

    # The worker went offline: its running task is queued again, then claimed and done.
    assert service.requeue_worker_tasks(admin.team_id, WORKER) == 1
    assert task_of(admin, created["id"])["status"] == "queued"
    service.claim_for_worker(admin.team_id, created["id"], WORKER)
    with pytest.raises(Conflict):
        service.finish_for_worker(
            admin.team_id,
            created["id"],
            "01JF3ZK1M2N3P4Q5R6S7T8V9W1",
            status="completed",
            result="x",
            error=None,
            tokens=None,
            cost_usd=None,
        )
    done = service.finish_for_worker(
        admin.team_id,
        created["id"],
        WORKER,
        status="completed",
        result="done on the worker",
        error=None,
        tokens=12,
        cost_usd=0.5,
    )
    assert (done.status, done.result, done.tokens) == ("completed", "done on the worker", 12)
    assert stats_of(admin)["by_status"] == {"completed": 1}
    assert ("task.completed", created["id"]) in [(k, d.get("task_id")) for k, d in published]


def test_cancelling_a_running_task_drops_its_result(admin: Account) -> None:
    agent_id = make_agent(admin, worker_id=WORKER)
    task_id = add_task(admin, agent_id=agent_id).json()["id"]
    service.claim_for_worker(admin.team_id, task_id, WORKER)

    cancelled = admin.client.post(f"{TASKS}/{task_id}/cancel", headers=admin.headers)
    assert cancelled.json()["status"] == "cancelled"

    from shared.errors import Conflict

    with pytest.raises(Conflict):
        service.finish_for_worker(
            admin.team_id,
            task_id,
            WORKER,
            status="completed",
            result="late",
            error=None,
            tokens=None,
            cost_usd=None,
        )
    assert task_of(admin, task_id)["result"] is None


def agent_token(admin: Account) -> dict[str, Any]:
    answer = admin.client.post(TOKENS, headers=admin.headers, json={"name": "tessa"})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_boards_and_agents_checking_in(admin: Account, client_at: Any) -> None:
    board = admin.client.post(BOARDS, headers=admin.headers, json={"name": "Sprint"})
    assert board.status_code == 201, board.text
    board_id = board.json()["id"]
    agent_id = make_agent(admin)
    queued = add_task(admin, board_id=board_id, agent_id=make_agent(admin, worker_id=WORKER))
    pending = add_task(admin, board_id=board_id)
    elsewhere = add_task(admin)
    assert {queued.status_code, pending.status_code, elsewhere.status_code} == {201}
    del agent_id
    token = agent_token(admin)
    caller: TestClient = client_at()
    headers = {"X-Agent-Token": token["key"]}

    beat = caller.post(
        "/api/v1/agent/heartbeat",
        headers=headers,
        json={"name": "Tessa", "board_id": board_id, "status": "online"},
    )
    assert beat.status_code == 200, beat.text
    assert (beat.json()["name"], beat.json()["board_id"]) == ("Tessa", board_id)
    assert beat.json()["last_seen_at"]

    inbox = caller.get(
        f"/api/v1/agent/boards/{board_id}/tasks", headers=headers, params={"status": "inbox"}
    )
    assert inbox.status_code == 200, inbox.text
    assert [t["id"] for t in inbox.json()] == [queued.json()["id"], pending.json()["id"]]
    only_pending = caller.get(
        f"/api/v1/agent/boards/{board_id}/tasks",
        headers=headers,
        params={"status": "pending", "limit": 5},
    )
    assert [t["id"] for t in only_pending.json()] == [pending.json()["id"]]

    # People of the team read the same list; only an agent checks in.
    seen = admin.client.get(f"/api/v1/agent/boards/{board_id}/tasks", headers=admin.headers)
    assert len(seen.json()) == 2
    # A person's token is not an agent's; an unknown board is 404.
    assert_error(
        admin.client.post(
            "/api/v1/agent/heartbeat",
            headers=admin.headers,
            json={"name": "x", "board_id": board_id},
        ),
        403,
    )
    assert_error(
        caller.post(
            "/api/v1/agent/heartbeat",
            headers=headers,
            json={"name": "Tessa", "board_id": "01JF3ZK1M2N3P4Q5R6S7T8V9W1"},
        ),
        404,
    )

    renamed = admin.client.patch(
        f"{BOARDS}/{board_id}", headers=admin.headers, json={"name": "Sprint 2"}
    )
    assert renamed.json()["name"] == "Sprint 2"
    listed = admin.client.get(BOARDS, headers=admin.headers).json()
    assert [b["id"] for b in listed["items"]] == [board_id]
    assert admin.client.delete(f"{BOARDS}/{board_id}", headers=admin.headers).status_code == 204
    assert_error(admin.client.get(f"{BOARDS}/{board_id}", headers=admin.headers), 404)


def test_a_heartbeat_with_a_revoked_agent_token_is_401(admin: Account, client_at: Any) -> None:
    board_id = admin.client.post(BOARDS, headers=admin.headers, json={"name": "B"}).json()["id"]
    token = agent_token(admin)
    caller: TestClient = client_at()
    body = {"name": "Tessa", "board_id": board_id, "status": "online"}
    headers = {"X-Agent-Token": token["key"]}
    assert caller.post("/api/v1/agent/heartbeat", headers=headers, json=body).status_code == 200

    revoked = admin.client.delete(f"{TOKENS}/{token['id']}", headers=admin.headers)
    assert revoked.status_code == 204

    assert_error(caller.post("/api/v1/agent/heartbeat", headers=headers, json=body), 401)
    assert_error(caller.get(f"/api/v1/agent/boards/{board_id}/tasks", headers=headers), 401)


def test_a_dead_lettered_run_fails_its_task_once(
    admin: Account, published: list[tuple[str, dict[str, Any]]]
) -> None:
    from shared.dead_letter.settlers import settle

    agent_id = make_agent(admin)
    task_id = add_task(admin, agent_id=agent_id).json()["id"]

    settle("task-runs-dlq", {"team_id": admin.team_id, "task_id": task_id})
    settle("task-runs-dlq", {"team_id": admin.team_id, "task_id": task_id})
    settle("task-runs-dlq", "not a payload")

    task = task_of(admin, task_id)
    assert task["status"] == "failed"
    assert "dead-letter" in task["error"]
    assert [k for k, d in published if d.get("task_id") == task_id].count("task.failed") == 1

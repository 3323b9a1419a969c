"""/workers and /admin/workers end to end (seed 003): register, heartbeat, approval, the
queued tasks of a worker's agents claimed and completed, the overview; the offline sweep
run by the local pump on a driven clock (worker.offline, running tasks requeued,
worker.online when it beats again); every bad input."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from functions.registry import group_for_path
from tests.factories import Account, assert_error, make_agent

WORKERS = "/api/v1/workers"
ADMIN = "/api/v1/admin/workers"
UNKNOWN = "01JF3ZK1M2N3P4Q5R6S7T8V9W0"
BEAT = {"cpu_usage_percent": 12.5, "memory_usage_percent": 40, "disk_usage_percent": 70}


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(datetime(2027, 3, 25, 12, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def register(account: Account, **body: Any) -> dict[str, Any]:
    answer = account.client.post(
        f"{WORKERS}/register",
        headers=account.headers,
        json={"name": "gpu-box", "hostname": "gpu-1.local", "max_agents": 4, **body},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def approve(account: Account, worker_id: str, **body: Any) -> Any:
    return account.client.patch(
        f"{ADMIN}/{worker_id}/approve",
        headers=account.headers,
        json={"is_approved": True, **body},
    )


def add_task(account: Account, agent_id: str) -> str:
    answer = account.client.post(
        "/api/v1/tasks",
        headers=account.headers,
        json={"title": "Build", "instructions": "Build it", "agent_id": agent_id},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "queued"
    return str(answer.json()["id"])


def test_admin_workers_reaches_the_fleet_and_admin_users_still_auth() -> None:
    assert group_for_path("/api/v1/admin/workers").name == "fleet"
    assert group_for_path("/api/v1/admin/workers/X/approve").name == "fleet"
    assert group_for_path("/api/v1/admin/users").name == "auth"
    assert group_for_path("/api/v1/workers/register").name == "fleet"


def test_register_heartbeat_approve_and_overview(admin: Account) -> None:
    worker = register(
        admin, cpu_cores=8, memory_total_mb=16000, os_info="Linux", ip_address="10.0.0.5"
    )
    assert (worker["status"], worker["is_approved"], worker["metrics"]) == ("online", False, None)
    assert worker["registered_by"] == admin.user_id

    beat = admin.client.post(
        f"{WORKERS}/{worker['id']}/heartbeat", headers=admin.headers, json=BEAT
    )
    assert beat.status_code == 200, beat.text
    assert beat.json()["metrics"] == {
        "cpu_usage_percent": 12.5,
        "memory_usage_percent": 40.0,
        "disk_usage_percent": 70.0,
    }

    overview = admin.client.get(f"{WORKERS}/overview", headers=admin.headers).json()
    assert (overview["total"], overview["pending_approval"]) == (1, 1)
    assert overview["agent_capacity"] == 0
    assert overview["avg_cpu_usage_percent"] == 12.5

    approved = approve(admin, worker["id"], group="gpu")
    assert approved.status_code == 200, approved.text
    assert (approved.json()["is_approved"], approved.json()["group"]) == (True, "gpu")
    overview = admin.client.get(f"{WORKERS}/overview", headers=admin.headers).json()
    assert (overview["approved"], overview["agent_capacity"]) == (1, 4)

    listed = admin.client.get(ADMIN, headers=admin.headers, params={"limit": 1})
    assert listed.status_code == 200, listed.text
    assert [w["id"] for w in listed.json()["items"]] == [worker["id"]]
    assert listed.json()["items"][0]["metrics"]["disk_usage_percent"] == 70.0


CODE_RESULT = "Built it:\n```python\nprint('release 1.2')\n```\n"


def test_a_worker_pulls_claims_and_completes_its_agents_tasks(admin: Account) -> None:
    worker = register(admin)
    agent_id = make_agent(admin, "Local", worker_id=worker["id"])
    task_id = add_task(admin, agent_id)
    tasks_url = f"{WORKERS}/{worker['id']}/tasks"

    # Not approved yet: no task for it.
    assert_error(admin.client.get(tasks_url, headers=admin.headers), 409)
    assert_error(admin.client.post(f"{tasks_url}/{task_id}/claim", headers=admin.headers), 409)
    assert approve(admin, worker["id"]).status_code == 200

    pending = admin.client.get(tasks_url, headers=admin.headers)
    assert pending.status_code == 200, pending.text
    assert [t["id"] for t in pending.json()] == [task_id]

    claimed = admin.client.post(f"{tasks_url}/{task_id}/claim", headers=admin.headers)
    assert claimed.status_code == 200, claimed.text
    assert (claimed.json()["status"], claimed.json()["worker_id"]) == ("running", worker["id"])
    assert admin.client.get(tasks_url, headers=admin.headers).json() == []
    # Claimed twice: conflict.
    assert_error(admin.client.post(f"{tasks_url}/{task_id}/claim", headers=admin.headers), 409)

    report = {"status": "completed", "result": CODE_RESULT, "tokens": 10, "cost_usd": 0.01}
    done = admin.client.post(f"{tasks_url}/{task_id}/complete", headers=admin.headers, json=report)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["result"], done.json()["tokens"]) == (
        "completed",
        CODE_RESULT,
        10,
    )
    # The same report again (the worker lost the answer): answered as the first was.
    repeated = admin.client.post(
        f"{tasks_url}/{task_id}/complete", headers=admin.headers, json=report
    )
    assert repeated.status_code == 200, repeated.text
    assert repeated.json() == done.json()
    # Its code is up for review, once.
    reviews = admin.client.get("/api/v1/code-reviews", headers=admin.headers).json()["items"]
    assert [r["source"] for r in reviews] == [{"kind": "task", "id": task_id}]
    # Completed already: not running on the worker any more.
    again = admin.client.post(
        f"{tasks_url}/{task_id}/complete", headers=admin.headers, json={"status": "failed"}
    )
    assert_error(again, 409)


def test_a_task_of_another_workers_agent_is_not_this_workers(admin: Account) -> None:
    mine, other = register(admin), register(admin, name="other")
    for worker in (mine, other):
        assert approve(admin, worker["id"]).status_code == 200
    task_id = add_task(admin, make_agent(admin, "Local", worker_id=other["id"]))
    claim = f"{WORKERS}/{mine['id']}/tasks/{task_id}/claim"
    assert_error(admin.client.post(claim, headers=admin.headers), 404)


def test_the_sweep_marks_a_silent_worker_offline_and_requeues_its_tasks(
    admin: Account, pump: Any, clock: Any, published: list[tuple[str, dict[str, Any]]]
) -> None:
    from tools.local.pump import LocalPump, scheduled_runs

    sweeper = LocalPump(
        pump.settings,
        mappings=(),
        scheduled=[
            r for r in scheduled_runs(pump.settings) if r.function_name.endswith("fleet_sweep")
        ],
    )
    silent, alive = register(admin), register(admin, name="alive")
    assert approve(admin, silent["id"]).status_code == 200
    task_id = add_task(admin, make_agent(admin, "Local", worker_id=silent["id"]))
    claimed = admin.client.post(
        f"{WORKERS}/{silent['id']}/tasks/{task_id}/claim", headers=admin.headers
    )
    assert claimed.status_code == 200, claimed.text

    sweeper.run_once()  # the first run is a minute after the pump started
    clock.shift(timedelta(seconds=61))
    beat = admin.client.post(f"{WORKERS}/{alive['id']}/heartbeat", headers=admin.headers, json=BEAT)
    assert beat.status_code == 200
    sweeper.run_once()  # 61 s of silence: not yet
    assert admin.client.get(ADMIN, headers=admin.headers).json()["items"][0]["status"] == "online"

    clock.shift(timedelta(seconds=60))
    sweeper.run_once()  # 121 s for the silent one, 60 s for the other
    statuses = {
        w["id"]: w["status"] for w in admin.client.get(ADMIN, headers=admin.headers).json()["items"]
    }
    assert statuses == {silent["id"]: "offline", alive["id"]: "online"}
    # Workers of earlier tests (other teams) fall silent too: the sweep spans every team.
    offline = [d for k, d in published if k == "worker.offline" and d["team_id"] == admin.team_id]
    assert [data["worker_id"] for data in offline] == [silent["id"]]
    task = admin.client.get(f"/api/v1/tasks/{task_id}", headers=admin.headers).json()
    assert (task["status"], task["worker_id"]) == ("queued", None)

    # It beats again: online, announced once; the sweep leaves it alone.
    beat = admin.client.post(
        f"{WORKERS}/{silent['id']}/heartbeat", headers=admin.headers, json=BEAT
    )
    assert beat.json()["status"] == "online"
    assert [d["worker_id"] for k, d in published if k == "worker.online"] == [silent["id"]]
    clock.shift(timedelta(seconds=60))
    sweeper.run_once()
    # 60 s after its beat: online still (the other, silent 120 s by now, went offline).
    statuses = {
        w["id"]: w["status"] for w in admin.client.get(ADMIN, headers=admin.headers).json()["items"]
    }
    assert statuses == {silent["id"]: "online", alive["id"]: "offline"}
    gone = [d["worker_id"] for k, d in published if k == "worker.offline"]
    assert gone.count(silent["id"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"cpu_usage_percent": 101, "memory_usage_percent": 1, "disk_usage_percent": 1},
        {"cpu_usage_percent": -1, "memory_usage_percent": 1, "disk_usage_percent": 1},
        {"cpu_usage_percent": "50", "memory_usage_percent": 1, "disk_usage_percent": 1},
        {"cpu_usage_percent": 1, "memory_usage_percent": 1},
    ],
)
def test_a_heartbeat_out_of_range_is_422(admin: Account, body: dict[str, Any]) -> None:
    worker = register(admin)
    answer = admin.client.post(
        f"{WORKERS}/{worker['id']}/heartbeat", headers=admin.headers, json=body
    )
    assert_error(answer, 422)


def test_a_reading_finer_than_storage_holds_is_kept_rounded(admin: Account) -> None:
    """DynamoDB numbers hold nothing below 1e-130: a reading is kept to 0.01 %."""
    worker = register(admin)
    answer = admin.client.post(
        f"{WORKERS}/{worker['id']}/heartbeat",
        headers=admin.headers,
        json={
            "cpu_usage_percent": 17.0070976326449,
            "memory_usage_percent": 2.4354464660682257e-157,
            "disk_usage_percent": 99.999,
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["metrics"] == {
        "cpu_usage_percent": 17.01,
        "memory_usage_percent": 0.0,
        "disk_usage_percent": 100.0,
    }


def test_bad_registrations_are_422(admin: Account) -> None:
    for body in (
        {"name": "", "hostname": "h"},
        {"name": "n"},
        {"name": "n", "hostname": "h", "max_agents": 0},
        {"name": "n", "hostname": "h", "ip_address": "not an ip"},
        {"name": "n", "hostname": "h", "extra": 1},
    ):
        answer = admin.client.post(f"{WORKERS}/register", headers=admin.headers, json=body)
        assert_error(answer, 422)


def test_another_teams_worker_is_404(admin: Account, new_account: Callable[..., Account]) -> None:
    worker = register(admin)
    stranger = new_account()
    base = f"{WORKERS}/{worker['id']}"
    assert_error(
        stranger.client.post(f"{base}/heartbeat", headers=stranger.headers, json=BEAT), 404
    )
    assert_error(stranger.client.get(f"{base}/tasks", headers=stranger.headers), 404)
    assert_error(approve(stranger, worker["id"]), 404)
    assert_error(
        stranger.client.post(f"{base}/heartbeat", headers=stranger.headers, json=BEAT), 404
    )
    assert stranger.client.get(ADMIN, headers=stranger.headers).json()["items"] == []
    assert_error(approve(admin, UNKNOWN), 404)


def test_only_admins_list_and_approve_workers(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    worker = register(admin)
    member = new_account(invited_by=admin, role="member")
    assert_error(member.client.get(ADMIN, headers=member.headers), 403)
    assert_error(approve(member, worker["id"]), 403)
    # A member may run a worker: register and beat.
    beat = member.client.post(
        f"{WORKERS}/{worker['id']}/heartbeat", headers=member.headers, json=BEAT
    )
    assert beat.status_code == 200

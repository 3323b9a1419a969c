"""/analytics, /exports and /metrics end to end (seed 003): the day rollups written where
tasks are created and end (through the API, a worker and the task runner), the figures
read from them without reading the tasks, exports inline and through S3 in each format,
the team's Prometheus metrics for its API key; every bad input."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse
from xml.etree import ElementTree

import httpx
import pytest
import time_machine
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import MODEL, Account, assert_error, bearer, make_agent

ANALYTICS = "/api/v1/analytics"
EXPORTS = "/api/v1/exports"
TASKS = "/api/v1/tasks"
WORKERS = "/api/v1/workers"
DAY = datetime(2027, 3, 25, 9, 0, tzinfo=UTC)


def now_headers(account: Account) -> dict[str, str]:
    """A token issued at the clock's time (the test drives it across days, past the
    sign-in's token)."""
    from shared.auth.principal import Principal
    from shared.auth.tokens import issue_token

    principal = Principal(account.user_id, account.team_id, "admin")
    return bearer(issue_token(principal, ttl_seconds=900))


def get(account: Account, path: str, **params: Any) -> Any:
    answer = account.client.get(path, headers=now_headers(account), params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def add_task(account: Account, **body: Any) -> dict[str, Any]:
    answer = account.client.post(
        TASKS,
        headers=now_headers(account),
        json={"title": "Summarise", "instructions": "Summarise the notes", **body},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def worker_with_agent(account: Account) -> tuple[str, str]:
    """An approved worker for 4 agents, and an agent that runs on it."""
    headers = now_headers(account)
    worker = account.client.post(
        f"{WORKERS}/register",
        headers=headers,
        json={"name": "box", "hostname": "box.local", "max_agents": 4},
    ).json()
    approved = account.client.patch(
        f"/api/v1/admin/workers/{worker['id']}/approve",
        headers=headers,
        json={"is_approved": True},
    )
    assert approved.status_code == 200, approved.text
    beat = account.client.post(
        f"{WORKERS}/{worker['id']}/heartbeat",
        headers=headers,
        json={"cpu_usage_percent": 30, "memory_usage_percent": 50, "disk_usage_percent": 70},
    )
    assert beat.status_code == 200, beat.text
    agent = account.client.post(
        "/api/v1/agents",
        headers=headers,
        json={
            "name": "Local",
            "role": "writer",
            "llm_provider": "templates",
            "llm_model": MODEL,
            "worker_id": worker["id"],
        },
    )
    assert agent.status_code == 201, agent.text
    return worker["id"], agent.json()["id"]


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(DAY - timedelta(days=2), tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin(clock: time_machine.Traveller, new_account: Callable[..., Account]) -> Account:
    return new_account()


def test_the_figures_count_tasks_on_the_days_they_were_created_and_ended(
    admin: Account, clock: time_machine.Traveller
) -> None:
    # Two days ago: two tasks with nobody to run them, one cancelled.
    first = add_task(admin)
    add_task(admin)
    cancelled = admin.client.post(f"{TASKS}/{first['id']}/cancel", headers=now_headers(admin))
    assert cancelled.status_code == 200, cancelled.text
    # Today: a worker's agent gets a task, claims it, and finishes it 90 s later.
    clock.move_to(DAY)
    worker_id, agent_id = worker_with_agent(admin)
    task = add_task(admin, agent_id=agent_id)
    tasks_url = f"{WORKERS}/{worker_id}/tasks/{task['id']}"
    claimed = admin.client.post(f"{tasks_url}/claim", headers=now_headers(admin))
    assert claimed.status_code == 200, claimed.text

    busy = get(admin, f"{ANALYTICS}/workers/utilization")
    assert (busy["running_tasks"], busy["capacity"], busy["task_utilization_percent"]) == (
        1,
        4,
        25.0,
    )
    [load] = busy["items"]
    assert (load["worker_id"], load["running_tasks"], load["cpu_usage_percent"]) == (
        worker_id,
        1,
        30.0,
    )

    clock.shift(timedelta(seconds=90))
    report = {"status": "completed", "result": "done", "tokens": 100, "cost_usd": 0.25}
    done = admin.client.post(f"{tasks_url}/complete", headers=now_headers(admin), json=report)
    assert done.status_code == 200, done.text

    timeline = get(admin, f"{ANALYTICS}/tasks/timeline", days=3)
    assert (timeline["from_date"], timeline["to_date"]) == ("2027-03-23", "2027-03-25")
    assert [
        (p["date"], p["created"], p["completed"], p["failed"], p["cancelled"])
        for p in timeline["points"]
    ] == [("2027-03-23", 2, 0, 0, 1), ("2027-03-24", 0, 0, 0, 0), ("2027-03-25", 1, 1, 0, 0)]

    today = get(admin, f"{ANALYTICS}/overview", days=1)["tasks"]
    assert {k: today[k] for k in ("created", "completed", "failed", "cancelled")} == {
        "created": 1,
        "completed": 1,
        "failed": 0,
        "cancelled": 0,
    }
    assert (today["success_rate"], today["avg_run_seconds"]) == (1.0, 90.0)
    assert (today["tokens"], today["cost_usd"]) == (100, 0.25)
    assert today["by_status"] == {"pending": 1, "cancelled": 1, "completed": 1}
    assert today["total"] == 3
    three_days = get(admin, f"{ANALYTICS}/overview", days=3)
    assert (three_days["tasks"]["created"], three_days["tasks"]["cancelled"]) == (3, 1)
    assert three_days["days"] == 3
    default = get(admin, f"{ANALYTICS}/overview")
    assert default["days"] == 7

    agents = get(admin, f"{ANALYTICS}/agents", days=7, limit=100)
    [mine] = [item for item in agents["items"] if item["agent_id"] == agent_id]
    assert mine["name"] == "Local"
    assert mine["tasks"] == {
        "assigned": 1,
        "completed": 1,
        "failed": 0,
        "cancelled": 0,
        "success_rate": 1.0,
        "avg_run_seconds": 90.0,
        "tokens": 100,
        "cost_usd": 0.25,
    }
    others = [item for item in agents["items"] if item["agent_id"] != agent_id]
    assert all(item["tasks"]["assigned"] == 0 for item in others)
    assert agents["total"] == len(agents["items"])

    idle = get(admin, f"{ANALYTICS}/workers/utilization")
    assert (idle["running_tasks"], idle["task_utilization_percent"]) == (0, 0.0)
    # Two days on, the window of one day holds none of it.
    clock.move_to(DAY + timedelta(days=2))
    later = get(admin, f"{ANALYTICS}/overview", days=1)["tasks"]
    assert (later["created"], later["completed"], later["success_rate"]) == (0, 0, None)
    assert later["total"] == 3


def test_a_task_the_runner_runs_is_counted_with_the_llm_call(
    new_account: Callable[..., Account], pump: Any
) -> None:
    admin = new_account()
    agent_id = make_agent(admin)
    task = add_task(admin, agent_id=agent_id)
    pump.drain()

    assert admin.client.get(f"{TASKS}/{task['id']}", headers=admin.headers).json()["status"] == (
        "completed"
    )
    overview = get(admin, f"{ANALYTICS}/overview", days=1)
    assert (overview["tasks"]["created"], overview["tasks"]["completed"]) == (1, 1)
    assert overview["llm"]["calls"] == 1
    agents = get(admin, f"{ANALYTICS}/agents", limit=100)["items"]
    [mine] = [item for item in agents if item["agent_id"] == agent_id]
    assert (mine["tasks"]["completed"], mine["llm"]["calls"]) == (1, 1)


def test_the_figures_read_as_much_with_many_tasks_as_with_few(
    new_account: Callable[..., Account], dynamodb_calls: list[str]
) -> None:
    admin = new_account()
    paths = [f"{ANALYTICS}/overview", f"{ANALYTICS}/tasks/timeline", f"{ANALYTICS}/agents"]

    def reads() -> list[str]:
        dynamodb_calls.clear()
        for path in paths:
            get(admin, path, days=30)
        return list(dynamodb_calls)

    add_task(admin)
    reads()  # caches warmed (the team's settings, its signing key)
    few = reads()
    for _ in range(30):
        add_task(admin)
    many = reads()

    assert many == few
    assert "Scan" not in many
    assert get(admin, f"{ANALYTICS}/overview")["tasks"]["created"] == 31


@pytest.mark.parametrize(
    "path",
    [
        f"{ANALYTICS}/overview?days=0",
        f"{ANALYTICS}/overview?days=91",
        f"{ANALYTICS}/overview?days=many",
        f"{ANALYTICS}/tasks/timeline?days=-1",
        f"{ANALYTICS}/agents?days=100",
        f"{EXPORTS}/pdf?type=tasks",
        f"{EXPORTS}/csv?type=analytics",
        f"{EXPORTS}/csv?type=users",
        f"{EXPORTS}/csv",
    ],
)
def test_bad_input_is_422(new_account: Callable[..., Account], path: str) -> None:
    admin = new_account()
    assert_error(admin.client.get(path, headers=admin.headers), 422)


def test_the_routes_need_a_caller(client_at: Callable[..., Any]) -> None:
    caller = client_at()
    for path in (f"{ANALYTICS}/overview", f"{EXPORTS}/csv?type=tasks", "/api/v1/metrics"):
        assert_error(caller.get(path), 401)


# --- exports ----------------------------------------------------------------------------


def _xlsx_rows(content: bytes) -> list[list[str]]:
    """The first sheet's cells as text (xlsxwriter's constant_memory mode writes strings
    inline)."""
    ns = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        # The file our own export just wrote, not untrusted input.
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))  # noqa: S314
    rows = []
    for row in sheet.iterfind(".//s:sheetData/s:row", ns):
        cells = []
        for cell in row.iterfind("s:c", ns):
            text = cell.find("s:is/s:t", ns)
            value = cell.find("s:v", ns)
            cells.append(
                text.text if text is not None else (value.text if value is not None else "")
            )
        rows.append([c or "" for c in cells])
    return rows


def test_tasks_export_inline_as_csv_json_and_xlsx(new_account: Callable[..., Account]) -> None:
    admin = new_account()
    first = add_task(admin, title='=HYPERLINK("http://evil")')
    second = add_task(admin, title="Ship it", priority="high")

    as_csv = admin.client.get(f"{EXPORTS}/csv", headers=admin.headers, params={"type": "tasks"})
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"].startswith('attachment; filename="tasks-')
    assert as_csv.headers["x-export-rows"] == "2"
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    # Newest first; a cell a spreadsheet would run as a formula is kept as text.
    assert [(r["id"], r["title"], r["priority"]) for r in rows] == [
        (second["id"], "Ship it", "high"),
        (first["id"], '\'=HYPERLINK("http://evil")', "medium"),
    ]
    assert rows[0]["status"] == "pending"

    as_json = admin.client.get(f"{EXPORTS}/json", headers=admin.headers, params={"type": "tasks"})
    assert as_json.status_code == 200, as_json.text
    assert as_json.headers["content-type"] == "application/json"
    items = as_json.json()
    assert [item["title"] for item in items] == ["Ship it", '=HYPERLINK("http://evil")']
    assert datetime.fromisoformat(items[0]["created_at"]) >= datetime.fromisoformat(
        items[1]["created_at"]
    )

    as_xlsx = admin.client.get(f"{EXPORTS}/xlsx", headers=admin.headers, params={"type": "tasks"})
    assert as_xlsx.status_code == 200, as_xlsx.text
    assert as_xlsx.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = _xlsx_rows(as_xlsx.content)
    assert sheet[0][:4] == ["id", "title", "status", "priority"]
    assert [row[1] for row in sheet[1:]] == ["Ship it", '=HYPERLINK("http://evil")']


def test_agents_and_jobs_export_the_teams_own(new_account: Callable[..., Account]) -> None:
    admin, other = new_account(), new_account()
    agent_id = make_agent(admin, "Exported")
    make_agent(other, "Not mine")

    agents = admin.client.get(f"{EXPORTS}/json", headers=admin.headers, params={"type": "agents"})
    assert agents.status_code == 200, agents.text
    names = {item["id"]: item["name"] for item in agents.json()}
    assert names[agent_id] == "Exported"
    assert "Not mine" not in names.values()

    jobs = admin.client.get(f"{EXPORTS}/csv", headers=admin.headers, params={"type": "jobs"})
    assert jobs.status_code == 200, jobs.text
    assert jobs.text.splitlines() == [
        "id,slug,name,status,project_id,created_by,current_phase,repair_attempts,error,"
        "created_at,started_at,finished_at"
    ]
    theirs = other.client.get(f"{EXPORTS}/csv", headers=other.headers, params={"type": "tasks"})
    assert theirs.headers["x-export-rows"] == "0"


def _record_calls(team_id: str, count: int) -> None:
    from shared.costs.calls import CallRecord
    from shared.costs.ledger import record_call

    for n in range(count):
        record_call(
            CallRecord(
                team_id=team_id,
                user_id="exporter",
                provider="openai",
                model="gpt-test",
                tokens_in=1000 + n,
                tokens_out=10,
                input_price_per_million=1.0,
                output_price_per_million=2.0,
                agent_id="AGENT1",
            )
        )


def test_a_large_export_is_a_presigned_link_to_the_file_in_s3(
    new_account: Callable[..., Account], monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.analytics import exports
    from shared.settings import get_settings

    admin = new_account()
    _record_calls(admin.team_id, 5)
    monkeypatch.setattr(exports, "INLINE_BYTES", 100)

    answer = admin.client.get(f"{EXPORTS}/csv", headers=admin.headers, params={"type": "costs"})

    assert answer.status_code == 200, answer.text
    link = answer.json()
    assert set(link) == {"url", "expires_in", "rows", "bytes"}
    assert (link["rows"], link["expires_in"]) == (5, exports.LINK_SECONDS)
    # The key is the team's, under exports/.
    path = urlparse(link["url"]).path
    assert path.startswith(f"/{get_settings().artifacts_bucket}/exports/{admin.team_id}/")
    assert path.endswith(".csv")
    # The link itself works over HTTP, with no credential but its signature.
    fetched = httpx.get(link["url"])
    assert fetched.status_code == 200, fetched.text
    assert fetched.headers["content-disposition"].startswith('attachment; filename="costs-')
    assert fetched.headers["content-type"].startswith("text/csv")
    body = fetched.content
    assert len(body) == link["bytes"]
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert sorted(int(r["tokens_in"]) for r in rows) == [1000, 1001, 1002, 1003, 1004]
    # 1,000 tokens in at $1 and 10 out at $2 a million: $0.00102.
    assert {r["cost_usd"] for r in rows if r["tokens_in"] == "1000"} == {"0.00102"}
    assert {r["agent_id"] for r in rows} == {"AGENT1"}


def test_an_export_past_the_row_cap_is_413(
    new_account: Callable[..., Account], monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.analytics import exports

    admin = new_account()
    _record_calls(admin.team_id, 3)
    monkeypatch.setattr(exports, "MAX_ROWS", 2)

    answer = admin.client.get(f"{EXPORTS}/json", headers=admin.headers, params={"type": "costs"})

    assert_error(answer, 413)


# --- /metrics ---------------------------------------------------------------------------


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_answers_the_teams_figures_to_its_api_key(
    new_account: Callable[..., Account], client_at: Callable[..., Any]
) -> None:
    admin = new_account()
    task = add_task(admin)
    add_task(admin, priority="critical")
    admin.client.post(f"{TASKS}/{task['id']}/cancel", headers=admin.headers)
    _record_calls(admin.team_id, 2)
    key = admin.client.post(
        "/api/v1/security/api-keys",
        headers=admin.headers,
        json={"name": "prometheus", "scopes": ["read"]},
    ).json()["key"]
    scraper = client_at()

    for path in ("/api/v1/metrics", "/metrics", "/api/metrics"):
        answer = scraper.get(path, headers=bearer(key))
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["content-type"].startswith("text/plain")

    team = ("team", admin.team_id)
    samples = _samples(answer.text)
    assert samples["factory_tasks", tuple(sorted((team, ("status", "cancelled"))))] == 1
    assert samples["factory_tasks", tuple(sorted((team, ("status", "pending"))))] == 1
    assert samples["factory_tasks_priority", tuple(sorted((team, ("priority", "critical"))))] == 1
    assert samples["factory_tasks_today", tuple(sorted((team, ("outcome", "created"))))] == 2
    assert samples["factory_llm_calls_total", (team,)] == 2
    assert samples["factory_llm_tokens_total", tuple(sorted((team, ("direction", "in"))))] == 2001
    assert samples["factory_workers", tuple(sorted((team, ("status", "online"))))] == 0


def test_metrics_takes_an_api_key_not_a_session(new_account: Callable[..., Account]) -> None:
    admin = new_account()
    answer = admin.client.get("/api/v1/metrics", headers=admin.headers)
    assert_error(answer, 403)
    assert "API key" in answer.json()["detail"]

"""The admin dashboard and discovery runs end to end: the team's figures from counters (as
JSON and as one server-sent event EventSource reconnects for), a discovery run queued,
answered by the built-in template generator through the pump, its ideas kept and, with
create_product, a draft product and its job per idea (once, though the message comes
again); a run that cannot be answered ends failed with the reason, a dead-lettered one
too; another team's run is 404 to its admins, a member who is not an admin is 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import Account, assert_error, passed_job

ADMIN = "/api/v1/admin"
RUNS = f"{ADMIN}/discovery/runs"


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


def start(account: Account, **body: Any) -> dict[str, Any]:
    answer = account.client.post(f"{ADMIN}/discovery/run", headers=account.headers, json=body)
    assert answer.status_code == 202, answer.text
    return dict(answer.json())


def run_of(account: Account, run_id: str) -> dict[str, Any]:
    answer = account.client.get(f"{RUNS}/{run_id}", headers=account.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_run_asks_for_ideas_and_keeps_them(admin: Account, pump: Any) -> None:
    run = start(admin, theme="dog walkers", top_k=3)
    assert (run["status"], run["ideas"], run["top_k"]) == ("queued", [], 3)
    pump.drain()

    done = run_of(admin, run["id"])
    assert done["status"] == "completed", done
    assert [idea["text"] for idea in done["ideas"]] == [
        "A booking page for dog walkers",
        "An invoice generator for dog walkers",
        "A habit tracker for dog walkers",
    ]
    assert all(idea["product_id"] is None for idea in done["ideas"])
    assert (done["provider"], done["model"]) == ("templates", "templates-1")
    listed = admin.client.get(RUNS, headers=admin.headers).json()
    assert [item["id"] for item in listed["items"]] == [run["id"]]
    assert listed["total"] == 1
    # Nothing was started: no product waits.
    products = admin.client.get(f"{ADMIN}/pipeline/products", headers=admin.headers).json()
    assert products["total"] == 0


def test_create_product_starts_one_draft_per_idea_once(admin: Account, pump: Any) -> None:
    from shared.discovery.runner import run_discovery

    run = start(admin, top_k=2, create_product=True, category="tools")
    pump.drain()
    done = run_of(admin, run["id"])
    assert done["status"] == "completed", done
    assert len(done["ideas"]) == 2
    products = admin.client.get(f"{ADMIN}/pipeline/products", headers=admin.headers).json()
    by_id = {item["id"]: item for item in products["items"]}
    for idea in done["ideas"]:
        product = by_id[idea["product_id"]]
        assert (product["job_id"], product["category"]) == (idea["job_id"], "tools")
        # A draft until its job passes (the emulated pipeline may have run it meanwhile).
        assert product["status"] in {"draft", "published"}
        job = admin.client.get(f"/api/v1/jobs/{idea['job_id']}", headers=admin.headers)
        assert job.status_code == 200, job.text
    # The message again (SQS delivers at least once): nothing more is started.
    run_discovery(admin.team_id, run["id"])
    again = admin.client.get(f"{ADMIN}/pipeline/products", headers=admin.headers).json()
    assert again["total"] == 2


def test_a_run_the_provider_cannot_answer_ends_failed_with_the_reason(
    admin: Account, pump: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.discovery import ideas
    from shared.llm.types import PhaseTask, ProviderError

    def broken(task: PhaseTask) -> str:
        raise ProviderError("the provider is down", kind="unavailable")

    monkeypatch.setattr(ideas, "render", broken)
    run = start(admin, top_k=2)
    pump.drain()
    failed = run_of(admin, run["id"])
    assert failed["status"] == "failed"
    assert "provider templates" in failed["error"]

    monkeypatch.setattr(ideas, "render", lambda task: "Sure! Here are some ideas:\n\n")
    empty = start(admin, top_k=2)
    pump.drain()
    assert run_of(admin, empty["id"])["error"] == (
        "the agent's answer held no ideas (one per line was asked for)"
    )


def test_a_dead_lettered_run_ends_failed(admin: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    from shared import queues
    from shared.dead_letter.settlers import settle

    monkeypatch.setattr(queues, "send", lambda *args, **kwargs: "sent")
    run = start(admin)
    settle("discovery-runs-dlq", {"team_id": admin.team_id, "run_id": run["id"]})
    settle("discovery-runs-dlq", "not a run")  # a payload it does not know: nothing
    ended = run_of(admin, run["id"])
    assert ended["status"] == "failed"
    assert "dead-letter queue" in ended["error"]


def test_a_queue_that_refuses_fails_the_run_503(
    admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared import queues

    def refused(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("SQS is down")

    monkeypatch.setattr(queues, "send", refused)
    answer = admin.client.post(f"{ADMIN}/discovery/run", headers=admin.headers, json={})
    assert_error(answer, 503)
    (run,) = admin.client.get(RUNS, headers=admin.headers).json()["items"]
    assert run["status"] == "failed"


@pytest.mark.parametrize(
    "body",
    [
        {"top_k": 0},
        {"top_k": 11},
        {"theme": ""},
        {"theme": "x" * 401},
        {"category": "Not A Slug"},
        {"create_product": "maybe"},
        {"create_product": 0},
        {"top_k": "3"},
        {"top_k": True},
        {"top_k": 2.5},
        {"unknown": 1},
    ],
)
def test_bad_run_requests_are_422(admin: Account, body: dict[str, Any]) -> None:
    answer = admin.client.post(f"{ADMIN}/discovery/run", headers=admin.headers, json=body)
    assert_error(answer, 422)


def test_a_whole_number_written_as_a_float_is_an_integer(admin: Account) -> None:
    # JSON Schema counts 3.0 as an integer; st run sends it.
    answer = admin.client.post(f"{ADMIN}/discovery/run", headers=admin.headers, json={"top_k": 3.0})
    assert answer.status_code == 202, answer.text
    assert answer.json()["top_k"] == 3


def test_another_teams_run_is_404_and_a_member_is_403(
    admin: Account,
    new_account: Callable[..., Account],
    client_at: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shared import queues

    monkeypatch.setattr(queues, "send", lambda *args, **kwargs: "sent")
    run = start(admin)
    other = new_account()
    assert_error(other.client.get(f"{RUNS}/{run['id']}", headers=other.headers), 404)
    assert other.client.get(RUNS, headers=other.headers).json()["items"] == []
    assert_error(admin.client.get(f"{RUNS}/01ARZ3NDEKTSV4RRFFQ69G5FAV", headers=admin.headers), 404)

    member = new_account(invited_by=admin, role="member")
    for path in (RUNS, f"{RUNS}/{run['id']}", f"{ADMIN}/dashboard", f"{ADMIN}/metrics/stream"):
        assert_error(member.client.get(path, headers=member.headers), 403)
    assert_error(member.client.post(f"{ADMIN}/discovery/run", headers=member.headers, json={}), 403)
    assert_error(client_at().get(f"{ADMIN}/dashboard"), 401)


def test_runs_are_cursor_paged_newest_first(
    admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared import queues

    monkeypatch.setattr(queues, "send", lambda *args, **kwargs: "sent")
    made = [start(admin, top_k=k)["id"] for k in (1, 2, 3)]
    first = admin.client.get(RUNS, headers=admin.headers, params={"limit": 2}).json()
    assert [item["id"] for item in first["items"]] == made[::-1][:2]
    assert first["total"] == 3
    rest = admin.client.get(
        RUNS, headers=admin.headers, params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [item["id"] for item in rest["items"]] == made[:1]
    assert_error(admin.client.get(RUNS, headers=admin.headers, params={"cursor": "x"}), 400)


def _add_paid_orders(team_id: str, orders: int, revenue_cents: int) -> None:
    """Stand in for the payments worker's counter writes (shared.payments.store.save_order)."""
    from shared.db.base import team_partition
    from shared.payments.models import COUNT_SORT, PaymentCountItem

    PaymentCountItem(team_partition(team_id), COUNT_SORT).update(
        actions=[
            PaymentCountItem.orders_paid.add(orders),
            PaymentCountItem.revenue_cents.add(revenue_cents),
            PaymentCountItem.team_id.set(team_id),
        ],
        add_version_condition=False,
    )


def test_the_dashboard_shows_the_teams_figures(
    admin: Account, client_at: Any, new_account: Callable[..., Account], dynamodb_calls: list[str]
) -> None:
    empty = admin.client.get(f"{ADMIN}/dashboard", headers=admin.headers)
    assert empty.status_code == 200, empty.text
    assert {k: v for k, v in empty.json().items() if k != "generated_at"} == {
        "products_drafts": 0,
        "products_published": 0,
        "products_listed": 0,
        "orders_paid": 0,
        "revenue_usd": 0,
        "refunded_usd": 0,
        "support_open": 0,
        "support_escalated": 0,
        "support_capped": False,
    }

    job = passed_job(admin.team_id)
    published = admin.client.post(
        f"/api/v1/jobs/{job}/publish", headers=admin.headers, json={"category": "web"}
    )
    assert published.status_code == 201, published.text
    product_id = published.json()["id"]
    draft = admin.client.post(
        f"{ADMIN}/products/create",
        headers=admin.headers,
        json={"idea": "A booking page for barbers", "category": "web"},
    )
    assert draft.status_code == 201, draft.text
    _add_paid_orders(admin.team_id, 2, 2450)
    visitor = client_at()
    for _ in range(2):
        opened = visitor.post("/api/v1/support/sessions", json={"product_id": product_id})
        assert opened.status_code == 201, opened.text
    escalated = visitor.post(
        f"/api/v1/support/sessions/{opened.json()['id']}/escalate",
        headers={"X-AIF-Support-Token": opened.json()["token"]},
        json={},
    )
    assert escalated.status_code == 200, escalated.text

    dynamodb_calls.clear()
    figures = admin.client.get(f"{ADMIN}/dashboard", headers=admin.headers).json()
    assert "Scan" not in dynamodb_calls
    assert (figures["products_drafts"], figures["products_published"]) == (1, 1)
    assert figures["products_listed"] == 1
    assert (figures["orders_paid"], figures["revenue_usd"]) == (2, 24.5)
    assert (figures["support_open"], figures["support_escalated"]) == (1, 1)
    # Another team's dashboard shows none of it.
    other = new_account()
    theirs = other.client.get(f"{ADMIN}/dashboard", headers=other.headers).json()
    assert (theirs["products_published"], theirs["orders_paid"], theirs["support_open"]) == (
        0,
        0,
        0,
    )


def test_a_change_the_dashboard_counts_puts_its_figures_on_the_bus(
    admin: Account, client_at: Any, published: list[tuple[str, dict[str, Any]]]
) -> None:
    """`dashboard.metrics` carries the figures as they stand after each change, for the
    team's sockets (live_push), webhooks and triggers."""
    job = passed_job(admin.team_id)
    product = admin.client.post(
        f"/api/v1/jobs/{job}/publish", headers=admin.headers, json={"category": "web"}
    )
    assert product.status_code == 201, product.text
    opened = client_at().post("/api/v1/support/sessions", json={"product_id": product.json()["id"]})
    assert opened.status_code == 201, opened.text

    metrics = [data for kind, data in published if kind == "dashboard.metrics"]
    assert [m["team_id"] for m in metrics] == [admin.team_id, admin.team_id]
    first, second = metrics
    assert (first["products_published"], first["support_open"]) == (1, 0)
    assert (second["products_published"], second["support_open"]) == (1, 1)
    shown = admin.client.get(f"{ADMIN}/dashboard", headers=admin.headers).json()
    assert {k: v for k, v in shown.items() if k != "generated_at"} == {
        k: v for k, v in second.items() if k not in ("generated_at", "team_id")
    }


def test_the_metrics_stream_is_one_event_eventsource_reconnects_for(admin: Account) -> None:
    import json

    answer = admin.client.get(f"{ADMIN}/metrics/stream", headers=admin.headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert answer.headers["cache-control"] == "no-cache"
    assert answer.text.endswith("\n\n")
    fields = dict(line.split(": ", 1) for line in answer.text.strip().split("\n"))
    assert (fields["retry"], fields["event"]) == ("5000", "metrics")
    data = json.loads(fields["data"])
    assert data["products_published"] == 0
    assert data["generated_at"] == fields["id"]


def test_ideas_are_read_one_per_line_whatever_the_list_marks() -> None:
    from shared.discovery.ideas import parse

    answer = (
        "Sure! Here are some ideas:\n\n"
        "1. **A booking page** for barbers\n"
        "2) A tip calculator\n"
        "- A tip calculator\n"
        "* A menu page for cafés\n"
        "• A shift planner\n"
        "## More\n"
        '"A quiz builder"\n'
    )
    assert parse(answer, 10) == [
        "A booking page for barbers",
        "A tip calculator",
        "A menu page for cafés",
        "A shift planner",
        "A quiz builder",
    ]
    assert parse(answer, 2) == ["A booking page for barbers", "A tip calculator"]
    assert parse("", 3) == []
    assert len(parse("x" * 1000, 1)[0]) == 400

"""/knowledge end to end (seed 003 Knowledge Base): entries stored at once, searchable
once the knowledge_indexer (driven through the local pump, its FIFO queue) has applied
them; ranked search with scores and highlights, filters, pages; another team's 404;
agents given a knowledge category get its entries in their system prompt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.llm.types import Completion, CompletionRequest, Pricing
from tests.api.test_tasks_api import add_task, task_of
from tests.factories import Account, assert_error, make_agent

KB = "/api/v1/knowledge"
UNKNOWN = "01JF3ZK1M2N3P4Q5R6S7T8V9W0"


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


def add(account: Account, title: str, content: str, **body: Any) -> dict[str, Any]:
    answer = account.client.post(
        KB, headers=account.headers, json={"title": title, "content": content, **body}
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def listed(account: Account, **params: Any) -> dict[str, Any]:
    answer = account.client.get(KB, headers=account.headers, params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_an_entry_is_stored_at_once_and_searchable_once_the_indexer_ran(
    admin: Account, pump: Any
) -> None:
    entry = add(
        admin,
        "Deploying the stack",
        "Run cdk deploy from the repository root; the stack's outputs name the API URL.",
        category="operations",
        tags=["aws", "cdk"],
        source="https://example.com/runbook",
    )
    assert admin.client.get(f"{KB}/{entry['id']}", headers=admin.headers).json() == entry
    assert [item["id"] for item in listed(admin)["items"]] == [entry["id"]]
    # Not indexed yet: the writer has not run.
    assert listed(admin, search="deploy")["items"] == []

    pump.drain()

    found = listed(admin, search="deploying outputs")
    assert found["total"] == 1
    [hit] = found["items"]
    assert hit["id"] == entry["id"]
    assert hit["category"] == "operations"
    assert hit["tags"] == ["aws", "cdk"]
    assert hit["score"] > 0
    assert "<mark>outputs</mark>" in hit["highlight"]


def test_search_ranks_by_relevance_and_filters_by_category_and_tag(
    admin: Account, pump: Any
) -> None:
    title_hit = add(
        admin, "Billing alarms", "Set an alarm on spend.", category="ops", tags=["cost"]
    )
    body_hit = add(
        admin,
        "Monitoring",
        "Dashboards, logs and one billing alarm among many other things to watch daily.",
        category="ops",
    )
    other = add(admin, "Billing FAQ", "Billing questions customers ask.", category="support")
    add(admin, "Unrelated", "Nothing about money here.", category="ops")
    pump.drain()

    ranked = listed(admin, search="billing")["items"]
    assert {item["id"] for item in ranked} == {title_hit["id"], body_hit["id"], other["id"]}
    scores = [item["score"] for item in ranked]
    assert scores == sorted(scores, reverse=True)
    # A match in the title outranks one in the body (title weighted 10 to the body's 1).
    assert ranked.index(next(i for i in ranked if i["id"] == title_hit["id"])) < ranked.index(
        next(i for i in ranked if i["id"] == body_hit["id"])
    )

    in_ops = listed(admin, search="billing", category="ops")["items"]
    assert {item["id"] for item in in_ops} == {title_hit["id"], body_hit["id"]}
    tagged = listed(admin, search="billing", tag="cost")["items"]
    assert [item["id"] for item in tagged] == [title_hit["id"]]
    # A tag alone lists the index's entries with it, newest first, unranked.
    by_tag = listed(admin, tag="cost")
    assert [item["id"] for item in by_tag["items"]] == [title_hit["id"]]
    assert by_tag["items"][0]["score"] is None
    # A category alone is the table's Query, newest first.
    by_category = listed(admin, category="support")
    assert [item["id"] for item in by_category["items"]] == [other["id"]]
    assert by_category["total"] == 1


def test_a_search_is_paged_by_cursor_in_rank_order(admin: Account, pump: Any) -> None:
    for n in range(5):
        add(admin, f"Runbook {n}", "restart " * (n + 1) + "the service")
    pump.drain()

    first = listed(admin, search="restart", limit=2)
    assert first["total"] == 5
    second = listed(admin, search="restart", limit=2, cursor=first["next_cursor"])
    third = listed(admin, search="restart", limit=2, cursor=second["next_cursor"])
    assert third["next_cursor"] is None
    pages = [*first["items"], *second["items"], *third["items"]]
    assert len({item["id"] for item in pages}) == 5
    scores = [item["score"] for item in pages]
    assert scores == sorted(scores, reverse=True)
    # A cursor of another list (the table's, newest first) is refused.
    plain = listed(admin, limit=1)["next_cursor"]
    assert plain
    assert_error(
        admin.client.get(KB, headers=admin.headers, params={"search": "restart", "cursor": plain}),
        400,
    )


def test_replace_and_delete_reach_the_index(admin: Account, pump: Any) -> None:
    entry = add(admin, "Old title", "about kettles")
    pump.drain()
    assert [i["id"] for i in listed(admin, search="kettles")["items"]] == [entry["id"]]

    replaced = admin.client.put(
        f"{KB}/{entry['id']}",
        headers=admin.headers,
        json={"title": "New title", "content": "about teapots", "category": "kitchen"},
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["category"] == "kitchen"
    pump.drain()
    assert listed(admin, search="kettles")["items"] == []
    [hit] = listed(admin, search="teapots")["items"]
    assert (hit["title"], hit["category"]) == ("New title", "kitchen")
    assert listed(admin, category="kitchen")["total"] == 1
    assert listed(admin, category="general")["total"] == 0

    deleted = admin.client.delete(f"{KB}/{entry['id']}", headers=admin.headers)
    assert deleted.status_code == 204
    assert_error(admin.client.get(f"{KB}/{entry['id']}", headers=admin.headers), 404)
    pump.drain()
    assert listed(admin, search="teapots")["items"] == []
    assert listed(admin)["total"] == 0


def test_a_delta_past_the_threshold_is_merged_into_a_new_base(
    admin: Account, pump: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.knowledge import indexer, store

    monkeypatch.setattr(indexer, "MERGE_AT", 3)
    first = add(admin, "Alpha", "first words")
    pump.drain()
    base = store.index_version(admin.team_id).base
    second = add(admin, "Beta", "second words")
    pump.drain()
    after_one = store.index_version(admin.team_id)
    # A small change writes only the delta: the base is the same object.
    assert after_one.base == base
    assert after_one.delta_changes == 1
    add(admin, "Gamma", "third words")
    add(admin, "Delta", "fourth words")
    pump.drain()
    merged = store.index_version(admin.team_id)
    assert merged.base != base
    assert merged.delta_changes == 0
    hits = listed(admin, search="words", limit=10)["items"]
    assert len(hits) == 4
    assert {first["id"], second["id"]} <= {hit["id"] for hit in hits}


def test_another_teams_entry_is_404_and_never_found(
    admin: Account, new_account: Callable[..., Account], pump: Any
) -> None:
    other = new_account()
    entry = add(other, "Secret plan", "the other team's words")
    pump.drain()

    for method in ("get", "put", "delete"):
        kwargs = {"json": {"title": "x", "content": "y"}} if method == "put" else {}
        answer = getattr(admin.client, method)(
            f"{KB}/{entry['id']}", headers=admin.headers, **kwargs
        )
        assert_error(answer, 404)
    assert_error(admin.client.get(f"{KB}/{UNKNOWN}", headers=admin.headers), 404)
    assert listed(admin, search="plan")["items"] == []
    assert listed(other, search="plan")["items"][0]["id"] == entry["id"]


def test_bad_entries_are_422(admin: Account) -> None:
    for body in (
        {"title": "", "content": "x"},
        {"title": "x"},
        {"title": "x", "content": "x", "tags": ["t"] * 21},
        {"title": "x", "content": "x" * 100_001},
        {"title": "x", "content": "x", "unknown": 1},
    ):
        assert_error(admin.client.post(KB, headers=admin.headers, json=body), 422)


def test_a_highlight_is_escaped_html_with_marks_only(admin: Account, pump: Any) -> None:
    add(admin, "Script", "never run <script>alert(1)</script> from a snippet")
    pump.drain()
    [hit] = listed(admin, search="snippet")["items"]
    assert "<script>" not in hit["highlight"]
    assert "&lt;script&gt;" in hit["highlight"]
    assert "<mark>snippet</mark>" in hit["highlight"]


def test_reindex_rebuilds_the_index_from_the_table(admin: Account, pump: Any) -> None:
    from shared.knowledge import search, segments, store

    entry = add(admin, "Kept", "rebuilt from the table")
    pump.drain()
    version = store.index_version(admin.team_id)
    # The index's objects lost: a rebuild makes new ones from the entries.
    segments.delete(admin.team_id, (version.base, version.delta))
    search.forget()
    for path in segments.team_dir(admin.team_id).glob("*.sqlite"):
        path.unlink()

    answer = admin.client.post(f"{KB}/reindex", headers=admin.headers)
    assert answer.status_code == 202, answer.text
    pump.drain()
    assert [i["id"] for i in listed(admin, search="rebuilt")["items"]] == [entry["id"]]


def test_reindex_is_for_admins(admin: Account, new_account: Callable[..., Account]) -> None:
    member = new_account(invited_by=admin, role="member")
    assert_error(member.client.post(f"{KB}/reindex", headers=member.headers), 403)


class Recording:
    """The template provider's stand-in: answers "ok" and keeps every request."""

    name = kind = "templates"

    def __init__(self) -> None:
        self.requests: list[CompletionRequest] = []

    def complete(self, request: CompletionRequest) -> Completion:
        self.requests.append(request)
        return Completion("ok", request.model, "templates", 1, 1)

    def pricing(self, model: str) -> Pricing:
        return Pricing()


def system_prompt(request: CompletionRequest) -> str:
    return next((m.content for m in request.messages if m.role == "system"), "")


def test_an_agents_knowledge_category_is_added_to_its_prompts(
    admin: Account, pump: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.llm import team_router

    recording = Recording()
    monkeypatch.setattr(team_router, "client_for", lambda *args: recording)
    add(admin, "Release notes style", "Write release notes as bullet points.", category="docs")
    add(admin, "Elsewhere", "Release notes of another category.", category="other")
    pump.drain()
    agent_id = make_agent(admin, system_prompt="You are the writer.", knowledge_category="docs")
    agent = admin.client.get(f"/api/v1/agents/{agent_id}", headers=admin.headers).json()
    assert agent["knowledge_category"] == "docs"

    task_id = add_task(admin, agent_id=agent_id).json()["id"]
    pump.drain()
    assert task_of(admin, task_id)["status"] == "completed"
    tested = admin.client.post(f"/api/v1/agents/{agent_id}/test", headers=admin.headers)
    assert tested.status_code == 200, tested.text

    assert len(recording.requests) == 2
    for request in recording.requests:
        system = system_prompt(request)
        assert system.startswith("You are the writer.")
        assert "Knowledge base (docs):" in system
        assert "Write release notes as bullet points." in system
        assert "another category" not in system


def test_an_agents_knowledge_context_is_capped(
    admin: Account, pump: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.knowledge.domain import CONTEXT_CHARS
    from shared.llm import team_router

    recording = Recording()
    monkeypatch.setattr(team_router, "client_for", lambda *args: recording)
    for n in range(3):
        add(admin, f"Long {n}", "summarise " + "word " * 3000, category="big")
    pump.drain()
    agent_id = make_agent(admin, system_prompt="", knowledge_category="big")
    admin.client.post(f"/api/v1/agents/{agent_id}/test", headers=admin.headers)

    [request] = recording.requests
    system = system_prompt(request)
    assert system.startswith("Knowledge base (big):")
    assert len(system) <= CONTEXT_CHARS
    assert system.endswith("…")


def test_an_agent_without_a_category_keeps_its_prompt(
    admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.llm import team_router

    recording = Recording()
    monkeypatch.setattr(team_router, "client_for", lambda *args: recording)
    agent_id = make_agent(admin, system_prompt="Plain.")
    admin.client.post(f"/api/v1/agents/{agent_id}/test", headers=admin.headers)
    assert [system_prompt(r) for r in recording.requests] == ["Plain."]


def test_an_agents_knowledge_category_is_set_patched_and_cleared(admin: Account) -> None:
    agent_id = make_agent(admin, knowledge_category="docs")
    url = f"/api/v1/agents/{agent_id}"

    patched = admin.client.patch(url, headers=admin.headers, json={"knowledge_category": "ops"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["knowledge_category"] == "ops"
    assert_error(
        admin.client.patch(url, headers=admin.headers, json={"knowledge_category": None}), 422
    )
    # PUT in seed 002's form merges: null clears the category.
    cleared = admin.client.put(url, headers=admin.headers, json={"knowledge_category": None})
    assert cleared.status_code == 200, cleared.text
    assert "knowledge_category" not in cleared.json()
    assert_error(
        admin.client.post(
            "/api/v1/agents",
            headers=admin.headers,
            json={
                "name": "Blank",
                "role": "writer",
                "llm_model": "templates-1",
                "knowledge_category": " ",
            },
        ),
        422,
    )

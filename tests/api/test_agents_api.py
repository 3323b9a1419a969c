"""The agents routes over HTTP (ASGI, the group's own app), with tokens, over emulated AWS:
CRUD with soft delete, start and stop, filters, who may do what, tenancy, the per-phase
configs, the test call through the router, and memories."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from functions.agents.app import app
from shared.agents.models import AgentItem
from shared.auth.principal import Principal, Role
from shared.auth.tokens import issue_token
from shared.costs.budget_updates import set_budget
from shared.costs.summaries import summary
from shared.db.base import team_partition
from shared.ids import new_id
from shared.llm import breaker, registry
from shared.llm.providers.templates import MODEL as TEMPLATES_MODEL
from shared.llm.registry import ProviderCreate
from shared.pipeline.definition import PHASE_NAMES
from shared.team_settings import update_team_settings
from tests.factories import assert_error
from tests.fake_servers import FakeServer, Reply, fake_openai

API = "/api/v1"
# Distinctive, so a test can prove no answer carries it.
PROVIDER_KEY = "sk-agents-test-4Hq8Zp2Lm7Rv1Xc9Tb3Nw6"


@pytest.fixture(scope="module")
def client(aws: None) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _forget(team_id: str) -> None:
    """Delete the team's agents-table items: moto copies a table once per item of every
    transaction, so a table left to grow makes every later test slower."""
    with AgentItem.batch_write() as batch:
        for item in AgentItem.query(team_partition(team_id), attributes_to_get=["pk", "sk"]):
            batch.delete(item)


class Team:
    """A team of its own per test, with tokens for its admin, a member and an agent."""

    def __init__(self, team_id: str) -> None:
        self.id = team_id
        self._tokens: dict[str, str] = {}

    def headers(self, role: Role = "admin") -> dict[str, str]:
        if role not in self._tokens:
            principal = Principal(subject=f"user-{role}-{self.id}", team_id=self.id, role=role)
            self._tokens[role] = issue_token(principal, ttl_seconds=600)
        return {"Authorization": f"Bearer {self._tokens[role]}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.headers("admin")

    @property
    def member(self) -> dict[str, str]:
        return self.headers("member")


def _new_team() -> Iterator[Team]:
    made = Team(f"agents-api-{new_id()}")
    yield made
    _forget(made.id)


@pytest.fixture
def team(aws: None) -> Iterator[Team]:
    yield from _new_team()


@pytest.fixture
def other_team(aws: None) -> Iterator[Team]:
    yield from _new_team()


def agent_body(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Reviewer",
        "description": "Reads the code and reports",
        "role": "reviewer",
        "llm_provider": "templates",
        "llm_model": TEMPLATES_MODEL,
        "system_prompt": "You review code.",
        "enabled_tools": ["read_file", "search"],
        **changes,
    }


def create_agent(client: TestClient, team: Team, **changes: Any) -> dict[str, Any]:
    answer = client.post(f"{API}/agents", headers=team.admin, json=agent_body(**changes))
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def listed(client: TestClient, team: Team, **params: Any) -> dict[str, Any]:
    answer = client.get(f"{API}/agents", headers=team.member, params=params)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


# --- CRUD -------------------------------------------------------------------------


def test_an_agent_is_created_read_and_listed(client: TestClient, team: Team) -> None:
    created = create_agent(client, team)

    assert created["status"] == "idle"
    assert "team_id" not in created
    assert {k: created[k] for k in agent_body()} == agent_body()
    fetched = client.get(f"{API}/agents/{created['id']}", headers=team.member)
    assert fetched.status_code == 200
    assert fetched.json() == created
    page = listed(client, team)
    assert (page["total"], [agent["id"] for agent in page["items"]]) == (1, [created["id"]])
    assert page["items"][0] == created


def test_patch_changes_only_the_fields_given_and_put_replaces_the_whole(
    client: TestClient, team: Team
) -> None:
    created = create_agent(client, team)
    url = f"{API}/agents/{created['id']}"

    patched = client.patch(url, headers=team.admin, json={"name": "Senior reviewer"})

    assert patched.status_code == 200, patched.text
    assert patched.json() | {"updated_at": None} == created | {
        "name": "Senior reviewer",
        "updated_at": None,
    }

    replaced = client.put(
        url,
        headers=team.admin,
        json={"name": "Tester", "role": "qa", "llm_provider": "templates", "llm_model": "m-2"},
    )

    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert {k: body[k] for k in agent_body()} == {
        "name": "Tester",
        "description": "",
        "role": "qa",
        "llm_provider": "templates",
        "llm_model": "m-2",
        "system_prompt": "",
        "enabled_tools": [],
    }
    assert client.get(url, headers=team.member).json() == body


def test_a_deleted_agent_is_found_no_more(client: TestClient, team: Team) -> None:
    kept = create_agent(client, team, name="Kept")
    gone = create_agent(client, team, name="Gone")
    url = f"{API}/agents/{gone['id']}"

    deleted = client.delete(url, headers=team.admin)

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error(client.get(url, headers=team.member), 404)
    assert_error(client.delete(url, headers=team.admin), 404)
    assert_error(client.patch(url, headers=team.admin, json={"name": "Back"}), 404)
    page = listed(client, team)
    assert (page["total"], [agent["id"] for agent in page["items"]]) == (1, [kept["id"]])


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("post", agent_body(owner="me")),
        ("patch", {"name": "x", "team_id": "someone-else"}),
        ("put", agent_body(status="busy")),
        ("patch", {"name": None}),
    ],
    ids=["create", "patch", "put", "patch-null"],
)
def test_unknown_fields_and_nulls_are_422(
    client: TestClient, team: Team, method: str, body: dict[str, Any]
) -> None:
    url = f"{API}/agents"
    if method != "post":
        url = f"{API}/agents/{create_agent(client, team)['id']}"

    answer = client.request(method.upper(), url, headers=team.admin, json=body)

    assert_error(answer, 422)


def test_an_agent_names_a_provider_of_its_team(client: TestClient, team: Team) -> None:
    registry.create(team.id, ProviderCreate(name="templates-main", kind="templates"))
    created = create_agent(client, team, llm_provider="templates-main")
    url = f"{API}/agents/{created['id']}"

    unknown = client.post(f"{API}/agents", headers=team.admin, json=agent_body(llm_provider="nope"))
    patched = client.patch(url, headers=team.admin, json={"llm_provider": "nope"})
    replaced = client.put(url, headers=team.admin, json=agent_body(llm_provider="nope"))

    # A provider the team does not have is not found, as another team's would be.
    for answer in (unknown, patched, replaced):
        assert_error(answer, 404)
        assert "nope" in answer.json()["detail"]
    assert client.get(url, headers=team.member).json()["llm_provider"] == "templates-main"
    assert listed(client, team)["total"] == 1


def test_an_agent_naming_no_provider_takes_the_teams_default(
    client: TestClient, team: Team
) -> None:
    body = agent_body()
    del body["llm_provider"]

    without_default = client.post(f"{API}/agents", headers=team.admin, json=body)
    registry.create(team.id, ProviderCreate(name="templates-main", kind="templates"))
    update_team_settings(team.id, {"default_provider": "templates-main"})
    created = client.post(f"{API}/agents", headers=team.admin, json=body)
    replaced = client.put(f"{API}/agents/{created.json()['id']}", headers=team.admin, json=body)

    assert_error(without_default, 409)  # the team has no default provider to take
    assert "default_provider" in without_default.json()["detail"]
    assert created.status_code == 201, created.text
    assert created.json()["llm_provider"] == "templates-main"
    assert replaced.json()["llm_provider"] == "templates-main"


def test_stop_and_start_set_the_status(client: TestClient, team: Team) -> None:
    url = f"{API}/agents/{create_agent(client, team)['id']}"

    stopped = client.post(f"{url}/stop", headers=team.admin)
    started = client.post(f"{url}/start", headers=team.admin)
    again = client.post(f"{url}/start", headers=team.admin)

    assert [a.status_code for a in (stopped, started, again)] == [200, 200, 200]
    assert [a.json()["status"] for a in (stopped, started, again)] == ["stopped", "idle", "idle"]


def test_the_list_filters_by_status_and_role_and_pages(client: TestClient, team: Team) -> None:
    dev = create_agent(client, team, name="Dev", role="dev")
    qa = create_agent(client, team, name="QA", role="qa")
    spare = create_agent(client, team, name="Spare dev", role="dev")
    client.post(f"{API}/agents/{spare['id']}/stop", headers=team.admin)

    def ids(**params: Any) -> list[str]:
        return [agent["id"] for agent in listed(client, team, **params)["items"]]

    assert ids(status_filter="idle") == [dev["id"], qa["id"]]
    assert ids(status_filter="stopped") == [spare["id"]]
    assert ids(role="dev") == [dev["id"], spare["id"]]
    assert ids(role="dev", status_filter="idle") == [dev["id"]]
    # Nothing sets an agent busy (one agent serves many jobs at once): not a status.
    refused = client.get(f"{API}/agents", headers=team.member, params={"status_filter": "busy"})
    assert refused.status_code == 422
    assert ids(role="architect") == []
    first = listed(client, team, limit=2)
    assert (first["total"], len(first["items"])) == (3, 2)
    rest = listed(client, team, limit=2, cursor=first["next_cursor"])
    assert [agent["id"] for agent in rest["items"]] == [spare["id"]]
    for params in ({"status_filter": "asleep"}, {"colour": "blue"}, {"limit": 0}):
        assert_error(client.get(f"{API}/agents", headers=team.member, params=params), 422)


# --- who may call ------------------------------------------------------------------


def test_members_read_and_only_admins_change(client: TestClient, team: Team) -> None:
    agent = create_agent(client, team)
    url = f"{API}/agents/{agent['id']}"
    memory = client.post(f"{url}/memories", headers=team.admin, json={"content": "Tabs."})
    memory_url = f"{API}/agents/memories/{memory.json()['id']}"
    writes = [
        ("POST", f"{API}/agents", agent_body()),
        ("PATCH", url, {"name": "x"}),
        ("PUT", url, agent_body()),
        ("DELETE", url, None),
        ("POST", f"{url}/start", None),
        ("POST", f"{url}/stop", None),
        ("POST", f"{API}/agents/config/{agent['id']}", {"phase": "reviewer"}),
        ("POST", f"{url}/memories", {"content": "Spaces."}),
        ("PUT", memory_url, {"content": "Spaces."}),
        ("DELETE", memory_url, None),
    ]
    reads = [
        f"{API}/agents",
        url,
        f"{API}/agents/config",
        f"{url}/memories",
        f"{url}/memory-stats",
    ]

    for method, path, body in writes:
        assert_error(client.request(method, path, headers=team.member, json=body), 403)
    for path in reads:
        assert client.get(path, headers=team.member).status_code == 200, path
    # A test call changes nothing: members may make one (charged to them).
    tested = client.post(f"{url}/test", headers=team.member)
    assert tested.status_code == 200
    assert tested.json()["status"] == "ok"
    assert client.get(url, headers=team.member).json() == agent


def test_no_credential_is_401_and_agents_are_refused(client: TestClient, team: Team) -> None:
    assert_error(client.get(f"{API}/agents"), 401)
    assert_error(client.get(f"{API}/agents", headers=team.headers("agent")), 403)
    assert_error(client.post(f"{API}/agents/x/test", headers=team.headers("agent")), 403)


# Bodies that pass validation, so each answer shows what the route does with the id.
VALID_BODIES: dict[str, dict[str, Any]] = {
    "PATCH /api/v1/agents/{agent_id}": {"name": "Taken over"},
    "PUT /api/v1/agents/{agent_id}": agent_body(),
    "POST /api/v1/agents/config/{agent_id}": {"phase": "dev"},
    "POST /api/v1/agents/{agent_id}/memories": {"content": "Taken over"},
    "PUT /api/v1/agents/memories/{memory_id}": {"content": "Taken over"},
    "PATCH /api/v1/agents/{agent_id}/deployment": {"price_usd": 1},
}
ROUTES_WITH_IDS = [
    (method, route.path)
    for route in app.routes
    if isinstance(route, APIRoute) and "{" in route.path
    for method in sorted(route.methods or ())
]


def test_another_teams_agent_is_404_on_every_route_with_an_id(
    client: TestClient, team: Team, other_team: Team
) -> None:
    agent = create_agent(client, team)
    url = f"{API}/agents/{agent['id']}"
    memory = client.post(f"{url}/memories", headers=team.admin, json={"content": "Mine."})
    ids = {"agent_id": agent["id"], "memory_id": memory.json()["id"]}
    # With deploy, undeploy and deployment (issue 15) and its price change (issue 17).
    assert len(ROUTES_WITH_IDS) == 17

    for method, path in ROUTES_WITH_IDS:
        answer = client.request(
            method,
            re.sub(r"\{(\w+)\}", lambda match: ids[match.group(1)], path),
            headers=other_team.admin,
            json=VALID_BODIES.get(f"{method} {path}"),
        )
        assert answer.status_code == 404, f"{method} {path}: {answer.text}"
        assert set(answer.json()) == {"detail", "request_id"}

    assert client.get(url, headers=team.admin).json() == agent
    stats = client.get(f"{url}/memory-stats", headers=team.admin).json()
    assert stats["count"] == 1
    assert client.get(f"{API}/agents", headers=other_team.admin).json()["total"] == 0


# --- per-phase configs -----------------------------------------------------------------


def test_a_new_team_gets_one_default_agent_per_phase_once(client: TestClient, team: Team) -> None:
    first = client.get(f"{API}/agents/config", headers=team.member)
    second = client.get(f"{API}/agents/config", headers=team.member)

    assert first.status_code == second.status_code == 200
    assert [entry["phase"] for entry in first.json()] == list(PHASE_NAMES)
    assert [entry["agent_id"] for entry in second.json()] == [
        entry["agent_id"] for entry in first.json()
    ]
    assert all(entry["llm_provider"] == "templates" for entry in first.json())
    page = listed(client, team, limit=100)
    assert page["total"] == len(PHASE_NAMES)
    assert sorted(agent["role"] for agent in page["items"]) == sorted(PHASE_NAMES)


def test_an_admin_sets_the_agent_of_a_phase(client: TestClient, team: Team) -> None:
    client.get(f"{API}/agents/config", headers=team.admin)
    agent = create_agent(client, team, name="Careful dev", role="dev")

    answer = client.post(
        f"{API}/agents/config/{agent['id']}",
        headers=team.admin,
        json={"phase": "dev", "model": "templates-2"},
    )

    assert answer.status_code == 200, answer.text
    entry = answer.json()
    assert (entry["phase"], entry["agent_id"], entry["agent_name"]) == (
        "dev",
        agent["id"],
        "Careful dev",
    )
    assert (entry["llm_model"], entry["model_override"]) == ("templates-2", "templates-2")
    config = {e["phase"]: e for e in client.get(f"{API}/agents/config", headers=team.member).json()}
    assert config["dev"]["agent_id"] == agent["id"]
    assert config["dev"]["llm_model"] == "templates-2"


def test_setting_a_phase_refuses_unknown_phases_and_deleted_agents(
    client: TestClient, team: Team
) -> None:
    agent = create_agent(client, team)
    url = f"{API}/agents/config/{agent['id']}"

    unknown_phase = client.post(url, headers=team.admin, json={"phase": "lunch"})
    extra_field = client.post(url, headers=team.admin, json={"phase": "dev", "why": "x"})
    client.delete(f"{API}/agents/{agent['id']}", headers=team.admin)
    deleted = client.post(url, headers=team.admin, json={"phase": "dev"})

    assert_error(unknown_phase, 422)
    assert "lunch" in unknown_phase.json()["detail"]
    assert_error(extra_field, 422)
    # The path names the agent: a deleted one is not found, as on every other route.
    assert_error(deleted, 404)


# --- the test call ---------------------------------------------------------------------


def test_the_test_call_goes_through_the_router(client: TestClient, team: Team) -> None:
    registry.create(team.id, ProviderCreate(name="templates-main", kind="templates"))
    agent = create_agent(client, team, llm_provider="templates-main")

    answer = client.post(f"{API}/agents/{agent['id']}/test", headers=team.admin)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"agent_id", "model", "status", "response"}
    assert (body["agent_id"], body["model"], body["status"]) == (agent["id"], TEMPLATES_MODEL, "ok")
    assert body["response"].startswith("Template generator")
    assert "not a language model" in body["response"]
    assert summary(team.id).total_calls == 1  # priced and recorded by the router


def test_a_default_agent_answers_on_the_built_in_template_generator(
    client: TestClient, team: Team
) -> None:
    config = client.get(f"{API}/agents/config", headers=team.admin).json()

    answer = client.post(f"{API}/agents/{config[0]['agent_id']}/test", headers=team.admin)

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "ok"
    assert answer.json()["model"] == TEMPLATES_MODEL


def test_agents_naming_the_older_offline_names_keep_working(client: TestClient, team: Team) -> None:
    # Given agents stored before the template generator had its name: the built-in one as
    # "offline" with model "offline-1", and one on a team provider of kind "offline"
    registry.create(team.id, ProviderCreate.model_validate({"name": "legacy", "kind": "offline"}))
    builtin = create_agent(client, team, llm_provider="offline", llm_model="offline-1")
    own = create_agent(client, team, llm_provider="legacy", llm_model="offline-1")

    # When each is tested through the router
    answers = [
        client.post(f"{API}/agents/{agent['id']}/test", headers=team.admin)
        for agent in (builtin, own)
    ]

    # Then both answer from the template generator, and the provider reads as "templates"
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "ok"
        assert answer.json()["response"].startswith("Template generator")
    assert registry.config(team.id, "legacy").kind == "templates"
    assert summary(team.id).total_calls == 2
    assert summary(team.id).total_tokens_in is None  # nothing was tokenized


def test_an_open_breaker_without_fallback_is_an_error_outcome(
    client: TestClient, team: Team
) -> None:
    registry.create(team.id, ProviderCreate(name="templates-main", kind="templates"))
    agent = create_agent(client, team, llm_provider="templates-main")
    breaker.force_open(team.id, "templates-main")

    answer = client.post(f"{API}/agents/{agent['id']}/test", headers=team.admin)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"agent_id", "model", "status", "detail"}
    assert (body["agent_id"], body["model"], body["status"]) == (
        agent["id"],
        TEMPLATES_MODEL,
        "error",
    )
    assert "circuit breaker open" in body["detail"]
    assert summary(team.id).total_calls == 0


@pytest.fixture
def failing_openai() -> Iterator[FakeServer]:
    """An OpenAI-compatible server whose completions fail, quoting the key it was sent."""
    with fake_openai() as server:
        server.script(
            "POST",
            "/v1/chat/completions",
            *[Reply(503, {"error": {"message": f"overloaded; key {PROVIDER_KEY}"}})] * 3,
        )
        yield server


def test_a_failing_provider_is_an_error_that_names_no_key(
    client: TestClient, team: Team, failing_openai: FakeServer
) -> None:
    registry.create(
        team.id,
        ProviderCreate.model_validate(
            {
                "name": "openai-main",
                "kind": "openai",
                "base_url": f"{failing_openai.url}/v1",
                "api_key": PROVIDER_KEY,
                "default_model": "gpt-4o-mini",
            }
        ),
    )
    agent = create_agent(client, team, llm_provider="openai-main", llm_model="gpt-4o-mini")

    answer = client.post(f"{API}/agents/{agent['id']}/test", headers=team.admin)

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "error"
    assert "openai-main" in answer.json()["detail"]
    assert PROVIDER_KEY not in answer.text
    assert PROVIDER_KEY[-8:] not in answer.text
    # The key did reach the provider: it is the answer that must not carry it.
    assert PROVIDER_KEY in failing_openai.requests[0].headers["authorization"]


def test_the_teams_fallback_and_breaker_settings_apply(
    client: TestClient, team: Team, failing_openai: FakeServer
) -> None:
    registry.create(
        team.id,
        ProviderCreate(
            name="openai-main",
            kind="openai",
            base_url=f"{failing_openai.url}/v1",
            default_model="gpt-4o-mini",
        ),
    )
    registry.create(team.id, ProviderCreate(name="templates-main", kind="templates"))
    update_team_settings(
        team.id,
        {
            "smart_model_fallback": f"templates-main:{TEMPLATES_MODEL}",
            "breaker_failure_threshold": 1,
        },
    )
    agent = create_agent(client, team, llm_provider="openai-main", llm_model="gpt-4o-mini")

    answer = client.post(f"{API}/agents/{agent['id']}/test", headers=team.admin)

    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["model"]) == ("ok", TEMPLATES_MODEL)
    # One failure opened the breaker: the team's threshold, not the default of five.
    assert breaker.state_of(team.id, "openai-main").state == "open"


def test_an_exhausted_budget_is_402(client: TestClient, team: Team) -> None:
    agent = create_agent(client, team)
    set_budget(team.id, daily_limit=0)

    answer = client.post(f"{API}/agents/{agent['id']}/test", headers=team.admin)

    assert_error(answer, 402)
    assert "Team daily budget" in answer.json()["detail"]


# --- memories --------------------------------------------------------------------------


def test_memories_are_added_listed_changed_and_deleted_with_exact_stats(
    client: TestClient, team: Team
) -> None:
    agent = create_agent(client, team)
    url = f"{API}/agents/{agent['id']}"

    def add(content: str, category: str) -> dict[str, Any]:
        body = {"content": content, "category": category, "importance": 4, "tags": ["a", "a"]}
        answer = client.post(f"{url}/memories", headers=team.admin, json=body)
        assert answer.status_code == 201, answer.text
        added: dict[str, Any] = answer.json()
        return added

    fact = add("The API is versioned.", "fact")
    lesson = add("Run the tests first.", "lesson")
    note = add("Ask before deleting.", "fact")
    assert (fact["agent_id"], fact["tags"], fact["importance"]) == (agent["id"], ["a"], 4)

    every = client.get(f"{url}/memories", headers=team.member).json()
    assert (every["total"], [m["id"] for m in every["items"]]) == (
        3,
        [note["id"], lesson["id"], fact["id"]],
    )
    facts = client.get(f"{url}/memories", headers=team.member, params={"category": "fact"})
    assert [m["id"] for m in facts.json()["items"]] == [note["id"], fact["id"]]
    assert_error(
        client.get(f"{url}/memories", headers=team.member, params={"category": "gossip"}), 422
    )

    changed = client.put(
        f"{API}/agents/memories/{note['id']}",
        headers=team.admin,
        json={"content": "Always ask before deleting.", "category": "instruction"},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["category"], changed.json()["importance"]) == ("instruction", 3)
    deleted = client.delete(f"{API}/agents/memories/{lesson['id']}", headers=team.admin)
    assert deleted.status_code == 204

    stats = client.get(f"{url}/memory-stats", headers=team.member).json()
    assert stats == {
        "agent_id": agent["id"],
        "count": 2,
        "total_characters": len("The API is versioned.") + len("Always ask before deleting."),
        "by_category": {"fact": 1, "preference": 0, "instruction": 1, "lesson": 0, "note": 0},
        "last_added_at": note["created_at"],
    }
    assert_error(client.delete(f"{API}/agents/memories/{lesson['id']}", headers=team.admin), 404)
    assert_error(client.put(f"{API}/agents/memories/no-dot", headers=team.admin, json={}), 422)
    assert_error(
        client.put(f"{API}/agents/memories/no-dot", headers=team.admin, json={"content": "x"}),
        404,
    )


def test_a_new_agent_has_empty_memory_stats(client: TestClient, team: Team) -> None:
    agent = create_agent(client, team)

    stats = client.get(f"{API}/agents/{agent['id']}/memory-stats", headers=team.member).json()

    assert stats == {
        "agent_id": agent["id"],
        "count": 0,
        "total_characters": 0,
        "by_category": {"fact": 0, "preference": 0, "instruction": 0, "lesson": 0, "note": 0},
        "last_added_at": None,
    }

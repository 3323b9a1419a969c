"""Secrets used by name (`{{secrets.NAME}}`, shared.vault.references) over emulated AWS: the
value reaches the server it is meant for (an HTTP tool's API, an MCP server, a channel's
webhook, the model of a trigger's run_agent) and never comes back in an answer; every write
that stores a reference checks the name exists (422)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.auth.principal import Principal
from shared.auth.tokens import issue_token
from shared.errors import Unprocessable
from shared.ids import new_id
from shared.vault import references, service
from tests.factories import assert_error
from tests.fake_servers import FakeServer, Reply, fake_openai, openai_chat

pytestmark = pytest.mark.usefixtures("aws")

VALUE = "sk-test-7f3c9a1b2d4e"


def team_with_secret(name: str = "API_KEY", value: str = VALUE) -> str:
    team = f"vault-{new_id()}"
    service.create_secret(team, "admin-1", service.SecretFields(name=name), value)
    return team


def admin_of(team: str) -> dict[str, str]:
    principal = Principal(subject=f"user-{new_id()}", team_id=team, role="admin")
    return {"Authorization": f"Bearer {issue_token(principal, ttl_seconds=600)}"}


# --- the references themselves -----------------------------------------------------------


def test_references_are_found_resolved_once_and_unknown_names_refused() -> None:
    team = team_with_secret()
    service.create_secret(
        team, "admin-1", service.SecretFields(name="TRICKY"), "{{secrets.API_KEY}}"
    )

    assert references.references_in("a {{secrets.API_KEY}} b {{ secrets.OTHER }} {{event.x}}") == {
        "API_KEY",
        "OTHER",
    }
    assert references.resolve_references(team, "Bearer {{secrets.API_KEY}}") == f"Bearer {VALUE}"
    # A value is put in once: a reference inside a value stays as it is.
    assert references.resolve_references(team, "{{secrets.TRICKY}}") == "{{secrets.API_KEY}}"
    # Names not allowed stay text (a reference an event's data brought in).
    assert references.resolve(team, "{{secrets.API_KEY}}", only=set()).text == (
        "{{secrets.API_KEY}}"
    )
    with pytest.raises(Unprocessable, match="MISSING"):
        references.resolve_references(team, "{{secrets.MISSING}}")
    with pytest.raises(Unprocessable, match="MISSING"):
        references.require_known(team, {"a": ["{{secrets.API_KEY}}", "{{secrets.MISSING}}"]})
    with pytest.raises(Unprocessable, match="9lives"):
        references.require_known(team, "{{secrets.9lives}}")  # not even a name's shape
    assert references.require_known(team, ["{{secrets.API_KEY}}", "plain"]) == {"API_KEY"}
    # Another team's name is unknown here.
    with pytest.raises(Unprocessable):
        references.resolve_references(f"vault-{new_id()}", "{{secrets.API_KEY}}")


def test_redaction_masks_every_value_used_wherever_it_appears() -> None:
    masked = references.redact_within({"echo": f"got {VALUE}", VALUE: [VALUE, 3]}, [VALUE, "short"])
    assert masked == {"echo": "got ****", "****": ["****", 3]}


# --- the connector runner: HTTP tools' headers, MCP auth tokens ----------------------------


@pytest.fixture
def api_server() -> Iterator[FakeServer]:
    # An API that answers with what it was sent (as a careless one may echo a key).
    echo = Reply(200, {"you_sent": VALUE})
    with FakeServer({("GET", "/items"): echo}) as server:
        yield server


def http_tool(server: FakeServer, **headers: str) -> dict[str, Any]:
    return {
        "type": "http",
        "name": "list_items",
        "method": "GET",
        "url": f"{server.url}/items",
        "headers": headers,
    }


def test_an_http_tools_header_carries_the_secret_and_the_answer_is_masked(
    api_server: FakeServer,
) -> None:
    from shared.connectors import client

    team = team_with_secret()
    tool = http_tool(api_server, **{"X-Api-Key": "{{secrets.API_KEY}}"})

    answer = client.call_operation(tool, {}, team_id=team)

    [sent] = api_server.requests
    assert sent.headers["x-api-key"] == VALUE
    assert answer == {"you_sent": "****"}
    with pytest.raises(Unprocessable, match="NOPE"):
        client.call_operation(
            http_tool(api_server, **{"X-Api-Key": "{{secrets.NOPE}}"}), {}, team_id=team
        )
    # Without the team, a reference is not resolved and nothing is sent.
    with pytest.raises(Unprocessable, match="team"):
        client.call_operation(tool, {})
    assert len(api_server.requests) == 1


def test_an_mcp_tools_auth_token_may_be_a_secret_of_the_team() -> None:
    from shared.connectors import client
    from tests.fake_connectors import mcp_app, serving

    team = team_with_secret()
    seen: list[str] = []
    with serving(mcp_app(seen)) as base:
        tools = client.list_mcp_tools(f"{base}/mcp", "{{secrets.API_KEY}}", team_id=team)

    assert {tool.name for tool in tools} >= {"add"}
    assert set(seen) == {f"Bearer {VALUE}"}


CODE = """
def run(input_dict, tools):
    return tools.call("list_items")
"""


def test_run_code_uses_an_agents_http_tool_secret_without_answering_it(
    api_server: FakeServer,
) -> None:
    from functions.agents.app import app as agents_app

    team = team_with_secret()
    tool = http_tool(api_server, Authorization="Bearer {{secrets.API_KEY}}")
    body = {"code": CODE, "inputDict": {}, "tools": [tool]}
    with TestClient(agents_app, raise_server_exceptions=False) as agents:
        answer = agents.post("/api/v1/agents/run-code", headers=admin_of(team), json=body)

    assert answer.status_code == 200, answer.text
    assert api_server.requests[-1].headers["authorization"] == f"Bearer {VALUE}"
    assert answer.json()["result"] == {"you_sent": "****"}
    assert VALUE not in answer.text


def test_an_agents_tools_must_name_existing_secrets() -> None:
    from functions.agents.app import app as agents_app

    team = team_with_secret()
    tool = {
        "type": "mcp",
        "name": "search",
        "mcp_url": "https://mcp.example.com/mcp",
        "auth_token": "{{secrets.API_KEY}}",
    }
    agent = {"name": "Searcher", "code": CODE, "tools": [tool]}
    missing = {**agent, "tools": [{**tool, "auth_token": "{{secrets.GONE}}"}]}
    with TestClient(agents_app, raise_server_exceptions=False) as agents:
        made = agents.post("/api/v1/agents", headers=admin_of(team), json=agent)
        refused = agents.post("/api/v1/agents", headers=admin_of(team), json=missing)

    assert made.status_code == 201, made.text
    assert VALUE not in made.text
    assert_error(refused, 422)
    assert "GONE" in refused.json()["detail"]


# --- notification channels -----------------------------------------------------------------

SLACK_PATH = "/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"


def test_a_channel_sends_through_a_vault_secret_and_shows_only_its_name() -> None:
    from functions.notifications.app import app as notifications_app

    with FakeServer({("POST", SLACK_PATH): Reply(200, "ok")}) as slack:
        team = team_with_secret("SLACK_HOOK", slack.url + SLACK_PATH)
        body = {
            "name": "ops",
            "type": "slack",
            "config": {"webhook_url": "{{secrets.SLACK_HOOK}}"},
        }
        with TestClient(notifications_app, raise_server_exceptions=False) as api:
            headers = admin_of(team)
            made = api.post("/api/v1/notifications/channels", headers=headers, json=body)
            assert made.status_code == 201, made.text
            sent = api.post(
                f"/api/v1/notifications/channels/{made.json()['id']}/test", headers=headers
            )
            missing = api.post(
                "/api/v1/notifications/channels",
                headers=headers,
                json={**body, "config": {"webhook_url": "{{secrets.NOT_THERE}}"}},
            )

        assert sent.status_code == 200, sent.text
        assert sent.json()["status"] == "succeeded"
        assert [r.path for r in slack.requests] == [SLACK_PATH]
        assert made.json()["config"] == {"webhook_url_hint": "{{secrets.SLACK_HOOK}}"}
        for answer in (made, sent):
            assert slack.url not in answer.text
        assert_error(missing, 422)
        assert "NOT_THERE" in missing.json()["detail"]


# --- triggers: a run_agent prompt ------------------------------------------------------------


def test_a_run_agent_prompt_uses_a_secret_and_its_reply_is_masked() -> None:
    from shared.agents import service as agents
    from shared.agents.schemas import AgentCreate
    from shared.llm import registry
    from shared.llm.registry import ProviderCreate
    from shared.triggers.actions import run_action
    from shared.triggers.domain import RunAgentAction

    team = team_with_secret()
    service.create_secret(team, "admin-1", service.SecretFields(name="OTHER"), "other-value")
    with fake_openai() as openai:
        registry.create(
            team,
            ProviderCreate(
                name="openai-main",
                kind="openai",
                base_url=f"{openai.url}/v1",
                default_model="gpt-4o-mini",
            ),
        )
        agent = agents.create_agent(
            team,
            AgentCreate(
                name="Caller", role="review", llm_provider="openai-main", llm_model="gpt-4o-mini"
            ),
        )
        # The model repeats what it was given.
        openai.script("POST", "/v1/chat/completions", Reply(body=openai_chat(f"key={VALUE}")))
        action = RunAgentAction(
            type="run_agent",
            agent_id=agent.id,
            prompt="Call with {{secrets.API_KEY}} about {{event.payload.note}}",
        )
        # An event whose data names another secret: that one stays text (only the names the
        # stored prompt wrote are put in).
        event = {
            "id": new_id(),
            "type": "hook.received",
            "timestamp": "2026-12-04T09:00:00+00:00",
            "data": {"team_id": team, "source_id": "s", "event_id": "e", "sender_type": "x"},
            "payload": {"note": "{{secrets.OTHER}}"},
        }

        result = run_action(team, "owner", action, event, run_id=new_id())

    assert result.outcome == "succeeded", result.error
    [sent] = [r for r in openai.requests if r.path == "/v1/chat/completions"]
    assert sent.body["messages"][-1]["content"] == f"Call with {VALUE} about {{{{secrets.OTHER}}}}"
    assert result.output == "key=****"


def test_a_trigger_may_use_secrets_only_in_a_run_agent_prompt_and_only_existing_ones() -> None:
    from datetime import UTC, datetime

    from shared.triggers.domain import RunAgentAction, StartJobAction
    from shared.triggers.service import check_trigger

    team = team_with_secret()
    now = datetime.now(UTC)
    schedule = {"cron": "0 9 1 1 ? 2199"}
    known = RunAgentAction(type="run_agent", agent_id="a", prompt="use {{secrets.API_KEY}}")
    unknown = RunAgentAction(type="run_agent", agent_id="a", prompt="use {{secrets.NOPE}}")
    in_a_job = StartJobAction.model_validate(
        {
            "type": "start_job",
            "job": {"name": "x", "platform": "web", "description": "{{secrets.API_KEY}}"},
        }
    )

    check_trigger(team, "schedule", schedule, known, now)
    with pytest.raises(Unprocessable, match="NOPE"):
        check_trigger(team, "schedule", schedule, unknown, now)
    with pytest.raises(Unprocessable, match="run_agent"):
        check_trigger(team, "schedule", schedule, in_a_job, now)

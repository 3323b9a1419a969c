"""Code agents deployed as `/rest/<friendly_name>` (seed 002 Deployments), over the local
gateway as `make dev` serves it: deploy, undeploy, read, list; calls by name with their
keys, rate limits, monthly quotas, schemas and metering; the deployment's OpenAPI document.
The code runs in the sandbox worker's child process, never in a group's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from shared.ids import new_id
from shared.sandbox import runner
from tests.factories import WORD_COUNT_INPUT as INPUT
from tests.factories import WORD_COUNT_OUTPUT as OUTPUT
from tests.factories import WORD_COUNT_RUN as WORDS
from tests.factories import Account, assert_error

API = "/api/v1"


@pytest.fixture(scope="module", autouse=True)
def _spare_child() -> Iterator[None]:
    yield
    runner.discard_spare()


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


def unique(prefix: str) -> str:
    return f"{prefix}-{new_id().lower()[-10:]}"


def code_agent(account: Account, **changes: Any) -> dict[str, Any]:
    body = {
        "name": "Word counter",
        "description": "Counts the words of a text",
        "code": WORDS,
        "inputSchema": INPUT,
        "outputSchema": OUTPUT,
        **changes,
    }
    answer = account.client.post(f"{API}/agents", headers=account.headers, json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def deploy(account: Account, agent_id: str, **body: Any) -> Any:
    return account.client.post(
        f"{API}/agents/{agent_id}/deploy", headers=account.headers, json=body
    )


def deployed(account: Account, **body: Any) -> tuple[str, dict[str, Any]]:
    """A code agent of the account's team, deployed: (agent id, the deploy's answer)."""
    agent = code_agent(account)
    answer = deploy(account, agent["id"], friendly_name=unique("words"), **body)
    assert answer.status_code == 201, answer.text
    return agent["id"], answer.json()


def call(client: TestClient, name: str, body: Any, **headers: str) -> Any:
    return client.post(f"{API}/rest/{name}", json=body, headers=headers)


# --- the code form of an agent --------------------------------------------------------


def test_a_code_agent_keeps_its_fields_in_either_spelling(admin: Account) -> None:
    models = [{"provider": "templates", "model": "templates-1"}]
    created = code_agent(
        admin,
        friendlyName="word-counter",
        invokableModels=models,
        composer_thoughts="counted",
        tools=[
            {
                "type": "mcp",
                "name": "search",
                "mcp_url": "https://mcp.example/mcp",
                "auth_token": "secret-token",
            }
        ],
    )

    assert created["code"] == WORDS
    assert created["friendly_name"] == "word-counter"
    assert created["input_schema"] == INPUT
    assert created["output_schema"] == OUTPUT
    assert created["invokable_models"] == models
    assert created["composer_thoughts"] == "counted"
    assert created["role"] == "code"
    assert created["llm_provider"] == "templates"
    assert created["created_by"] == admin.user_id
    # The MCP tool's token is a credential: answers say only that it is set.
    assert created["tools"] == [
        {
            "type": "mcp",
            "name": "search",
            "mcp_url": "https://mcp.example/mcp",
            "has_auth_token": True,
        }
    ]
    fetched = admin.client.get(f"{API}/agents/{created['id']}", headers=admin.headers).json()
    assert fetched == created
    listed = admin.client.get(
        f"{API}/agents", headers=admin.headers, params={"role": "code"}
    ).json()["items"]
    # The list leaves out the code, tools and schemas (a page of them could pass 6 MB).
    assert [item["id"] for item in listed] == [created["id"]]
    assert {"code", "tools", "input_schema", "output_schema"} & set(listed[0]) == set()
    assert listed[0]["friendly_name"] == "word-counter"


def test_put_merges_the_fields_given_and_keeps_the_creation_metadata(admin: Account) -> None:
    created = code_agent(admin, friendly_name="first-name", docstring="Counts.")
    url = f"{API}/agents/{created['id']}"
    code = WORDS.replace("'count'", "'words'")

    answer = admin.client.put(url, headers=admin.headers, json={"code": code, "outputSchema": None})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["code"] == code
    assert "output_schema" not in body  # null cleared it
    unchanged = (
        "name",
        "description",
        "friendly_name",
        "docstring",
        "input_schema",
        "created_at",
        "created_by",
        "role",
        "llm_provider",
    )
    assert {k: body[k] for k in unchanged} == {k: created[k] for k in unchanged}
    assert body["updated_at"] > created["updated_at"]


def test_code_that_does_not_parse_is_422_naming_the_line(admin: Account) -> None:
    broken = "def run(input_dict, tools):\n    return (1 +\n"
    body = {"name": "Broken", "code": broken}

    created = admin.client.post(f"{API}/agents", headers=admin.headers, json=body)
    agent = code_agent(admin)
    replaced = admin.client.put(
        f"{API}/agents/{agent['id']}", headers=admin.headers, json={"code": broken}
    )

    for answer in (created, replaced):
        assert_error(answer, 422)
        assert answer.json()["detail"].startswith("code: line 2: ")
    fetched = admin.client.get(f"{API}/agents/{agent['id']}", headers=admin.headers)
    assert fetched.json()["code"] == WORDS


@pytest.mark.parametrize(
    "body",
    [
        {"name": "No form"},  # neither code nor role and model
        {"name": "Bad", "code": WORDS, "input_schema": {"type": "no-such-type"}},
        {"name": "Bad", "code": WORDS, "outputSchema": {"required": "count"}},
        {"name": "Bad", "code": WORDS, "friendly_name": "Not A Slug"},
    ],
    ids=["no-form", "input-schema", "output-schema", "friendly-name"],
)
def test_an_agent_without_a_form_or_with_an_invalid_schema_is_422(
    admin: Account, body: dict[str, Any]
) -> None:
    assert_error(admin.client.post(f"{API}/agents", headers=admin.headers, json=body), 422)


def test_a_deployed_agent_keeps_its_code_and_is_not_deleted(admin: Account) -> None:
    agent_id, _ = deployed(admin)
    url = f"{API}/agents/{agent_id}"

    cleared = admin.client.put(url, headers=admin.headers, json={"code": None})
    deleted = admin.client.delete(url, headers=admin.headers)

    assert_error(cleared, 409)
    assert_error(deleted, 409)
    assert "undeploy" in deleted.json()["detail"]
    assert admin.client.get(url, headers=admin.headers).json()["code"] == WORDS


# --- deploy, undeploy, read, list -----------------------------------------------------


def test_deploy_answers_the_url_and_the_key_once(admin: Account) -> None:
    agent = code_agent(admin)
    name = unique("count-words")

    answer = deploy(admin, agent["id"], friendly_name=name, monthly_quota=50)

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["friendly_name"] == name
    assert body["url"] == f"http://testserver{API}/rest/{name}"
    assert body["openapi_url"] == f"{body['url']}/openapi.json"
    assert body["public"] is False
    assert body["monthly_quota"] == 50
    assert body["api_key"].startswith(body["key_prefix"])
    read = admin.client.get(f"{API}/agents/{agent['id']}/deployment", headers=admin.headers)
    assert read.status_code == 200, read.text
    assert "api_key" not in read.json()
    assert read.json() | {"calls_this_month": None} == {
        k: v for k, v in body.items() if k != "api_key"
    } | {"calls_this_month": None}
    assert read.json()["calls_this_month"] == 0


def test_a_friendly_name_taken_is_409_across_teams(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    _, first = deployed(admin)
    other = new_account()
    again = code_agent(admin)

    taken_elsewhere = deploy(other, code_agent(other)["id"], friendly_name=first["friendly_name"])
    taken_here = deploy(admin, again["id"], friendly_name=first["friendly_name"])

    for answer in (taken_elsewhere, taken_here):
        assert_error(answer, 409)
        assert "taken" in answer.json()["detail"]


def test_an_agent_is_deployed_once_and_only_with_code(admin: Account) -> None:
    agent_id, _ = deployed(admin)
    phase_agent = admin.client.post(
        f"{API}/agents",
        headers=admin.headers,
        json={"name": "Phase", "role": "dev", "llm_provider": "templates", "llm_model": "m"},
    ).json()

    twice = deploy(admin, agent_id, friendly_name=unique("again"))
    without_code = deploy(admin, phase_agent["id"], friendly_name=unique("phase"))
    unknown = deploy(admin, "no-such-agent", friendly_name=unique("none"))

    assert_error(twice, 409)
    assert_error(without_code, 422)
    assert "code" in without_code.json()["detail"]
    assert_error(unknown, 404)


def test_undeploy_frees_the_name_and_ends_the_calls(admin: Account, client_at: Any) -> None:
    agent_id, body = deployed(admin, public=True)
    name = body["friendly_name"]
    caller = client_at()
    assert call(caller, name, {"text": "one two"}).json() == {"count": 2}

    gone = admin.client.delete(f"{API}/agents/{agent_id}/undeploy", headers=admin.headers)

    assert gone.status_code == 204
    assert_error(call(caller, name, {"text": "one two"}), 404)
    url = f"{API}/agents/{agent_id}"
    assert_error(admin.client.get(f"{url}/deployment", headers=admin.headers), 404)
    assert_error(admin.client.delete(f"{url}/undeploy", headers=admin.headers), 404)
    # The name is free again, and the agent may be deployed again.
    again = deploy(admin, agent_id, friendly_name=name, public=True)
    assert again.status_code == 201, again.text
    assert call(caller, name, {"text": "a b c"}).json() == {"count": 3}


def test_the_list_is_the_teams_own_newest_first_and_paged(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    names = [deployed(admin)[1]["friendly_name"] for _ in range(3)]
    deployed(new_account())

    first = admin.client.get(f"{API}/deployments", headers=admin.headers, params={"limit": 2})
    assert first.status_code == 200, first.text
    page = first.json()
    rest = admin.client.get(
        f"{API}/deployments", headers=admin.headers, params={"cursor": page["next_cursor"]}
    ).json()

    assert page["total"] == 3
    listed = [item["friendly_name"] for item in page["items"] + rest["items"]]
    assert listed == names[::-1]


def test_members_read_deployments_and_only_admins_deploy(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    agent_id, _ = deployed(admin)
    member = new_account(invited_by=admin, role="member")

    assert member.client.get(f"{API}/deployments", headers=member.headers).status_code == 200
    read = member.client.get(f"{API}/agents/{agent_id}/deployment", headers=member.headers)
    assert read.status_code == 200
    assert_error(
        member.client.delete(f"{API}/agents/{agent_id}/undeploy", headers=member.headers), 403
    )
    assert_error(deploy(member, code_agent(admin)["id"]), 403)


# --- calls ----------------------------------------------------------------------------


def test_a_public_deployment_answers_anyone_with_the_agents_output(
    admin: Account, client_at: Any
) -> None:
    _, body = deployed(admin, public=True)

    answer = call(client_at(), body["friendly_name"], {"text": "the quick brown fox"})

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"count": 4}


def test_a_key_protected_deployment_needs_its_own_key(admin: Account, client_at: Any) -> None:
    _, body = deployed(admin)
    _, other = deployed(admin)
    name, caller = body["friendly_name"], client_at()
    text = {"text": "one two three"}

    missing = call(caller, name, text)
    wrong = call(caller, name, text, **{"X-API-Key": other["api_key"]})
    garbage = call(caller, name, text, Authorization="Bearer not-a-key")
    by_header = call(caller, name, text, **{"X-API-Key": body["api_key"]})
    by_bearer = call(caller, name, text, Authorization=f"Bearer {body['api_key']}")

    for answer in (missing, wrong, garbage):
        assert_error(answer, 401)
    assert "key" in missing.json()["detail"]
    assert by_header.json() == by_bearer.json() == {"count": 3}


def test_an_unknown_deployment_is_404(client_at: Any) -> None:
    answer = call(client_at(), unique("nobody"), {"text": "x"})

    assert_error(answer, 404)


def test_input_not_matching_the_schema_is_422(admin: Account, client_at: Any) -> None:
    _, body = deployed(admin, public=True)

    answer = call(client_at(), body["friendly_name"], {"words": "no text field"})

    assert_error(answer, 422)
    assert answer.json()["detail"] == "input: 'text' is a required property"


def test_the_body_is_read_as_json_whatever_its_content_type(admin: Account, client_at: Any) -> None:
    _, body = deployed(admin, public=True)
    url = f"{API}/rest/{body['friendly_name']}"
    caller = client_at()
    form = {"Content-Type": "application/x-www-form-urlencoded"}  # what curl -d sends

    as_form = caller.post(url, content=b'{"text": "a b"}', headers=form)
    not_json = caller.post(url, content=b"text=a+b", headers=form)

    assert as_form.status_code == 200, as_form.text
    assert as_form.json() == {"count": 2}
    assert_error(not_json, 422)
    assert "JSON" in not_json.json()["detail"]


def test_over_the_rate_limit_is_429_with_retry_after(admin: Account, client_at: Any) -> None:
    _, body = deployed(admin, public=True, rate_limit_per_minute=2)
    caller = client_at()

    answers = [call(caller, body["friendly_name"], {"text": "a"}) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["Retry-After"]) >= 1


def test_over_the_monthly_quota_is_429_until_the_next_month(
    admin: Account, client_at: Any, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2031, 5, 31, 23, 50, tzinfo=UTC), tick=False)
    agent_id, body = deployed(admin, public=True, monthly_quota=2)
    caller = client_at()

    answers = [call(caller, body["friendly_name"], {"text": "a b"}) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert_error(answers[2], 429)
    assert "monthly quota of 2 calls" in answers[2].json()["detail"]
    assert "2031-06-01T00:00:00Z" in answers[2].json()["detail"]
    assert int(answers[2].headers["Retry-After"]) == 10 * 60 + 1
    read = admin.client.get(f"{API}/agents/{agent_id}/deployment", headers=admin.headers)
    assert read.json()["calls_this_month"] == 2
    time_machine.move_to(datetime(2031, 6, 1, 0, 0, 1, tzinfo=UTC), tick=False)
    assert call(caller, body["friendly_name"], {"text": "a b c"}).json() == {"count": 3}


def test_every_call_is_metered_against_the_owning_team(admin: Account, client_at: Any) -> None:
    agent_id, body = deployed(admin, public=True)
    name = body["friendly_name"]
    caller = client_at()
    call(caller, name, {"text": "a"})
    call(caller, name, {"wrong": "input"})  # reached the sandbox: metered too

    answer = admin.client.get(f"{API}/costs/by-agent", headers=admin.headers)

    assert answer.status_code == 200, answer.text
    rows = [row for row in answer.json()["items"] if row.get("agent_id") == agent_id]
    assert len(rows) == 1, answer.json()
    assert rows[0]["calls"] == 2
    assert rows[0]["cost_usd"] == 0
    assert rows[0].get("tokens_in") in (None, 0)


def test_a_deployment_is_also_answered_to_browsers_of_other_origins(
    admin: Account, client_at: Any
) -> None:
    _, body = deployed(admin, public=True)

    preflight = client_at().options(
        f"{API}/rest/{body['friendly_name']}",
        headers={
            "Origin": "https://demos.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"


# --- the deployment's OpenAPI document --------------------------------------------------


def test_the_openapi_document_is_built_from_the_agents_schemas(
    admin: Account, client_at: Any
) -> None:
    _, public = deployed(admin, public=True)
    _, protected = deployed(admin)
    caller = client_at()

    document = caller.get(f"{API}/rest/{public['friendly_name']}/openapi.json")
    without_key = caller.get(f"{API}/rest/{protected['friendly_name']}/openapi.json")
    with_key = caller.get(
        f"{API}/rest/{protected['friendly_name']}/openapi.json",
        headers={"X-API-Key": protected["api_key"]},
    )

    assert document.status_code == 200, document.text
    doc = document.json()
    validate(doc)  # a valid OpenAPI 3.1 document
    operation = doc["paths"][f"{API}/rest/{public['friendly_name']}"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == INPUT
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == OUTPUT
    assert doc["servers"] == [{"url": "http://testserver"}]
    assert_error(without_key, 401)
    assert with_key.status_code == 200
    validate(with_key.json())
    assert "X-API-Key" in str(with_key.json()["components"]["securitySchemes"])

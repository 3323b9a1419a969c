"""POST /mcp/tools and POST /specs/fetch over HTTP (the connectors group's app, with tokens,
over emulated AWS), and shared.connectors.client, against real servers on loopback: an MCP
server of the official SDK and a server of OpenAPI documents and their API. Every request
to them is made by the connector_runner worker (invoked through emulated Lambda), under the
URL policy; the run-code test calls an MCP tool from sandboxed code through the broker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from functions.connectors.app import app
from shared.auth.principal import Principal
from shared.auth.tokens import issue_token
from shared.connectors import client, outbound
from shared.connectors.errors import BadGateway
from shared.errors import Unprocessable
from shared.ids import new_id
from tests.factories import assert_error
from tests.fake_connectors import mcp_app, serving, spec_app

TOOLS = "/api/v1/mcp/tools"
SPECS = "/api/v1/specs/fetch"


@pytest.fixture(scope="module")
def authorizations() -> list[str]:
    return []


@pytest.fixture(scope="module")
def mcp_url(authorizations: list[str]) -> Iterator[str]:
    with serving(mcp_app(authorizations)) as base:
        yield f"{base}/mcp"


@pytest.fixture(scope="module")
def specs() -> Iterator[str]:
    with serving(spec_app()) as base:
        yield base


@pytest.fixture(scope="module")
def api(aws: None) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def member() -> dict[str, str]:
    principal = Principal(subject=f"user-{new_id()}", team_id=f"conn-{new_id()}", role="member")
    return {"Authorization": f"Bearer {issue_token(principal, ttl_seconds=600)}"}


@pytest.fixture
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    """As deployed: only https to public addresses."""
    monkeypatch.setattr(outbound, "strict_urls", lambda: True)


def tools_of(answer: Any) -> dict[str, Any]:
    return {tool["name"]: tool for tool in answer.json()["tools"]}


def test_a_member_lists_an_mcp_servers_tools(
    api: TestClient, member: dict[str, str], mcp_url: str
) -> None:
    answer = api.post(TOOLS, headers=member, json={"mcp_url": mcp_url})
    assert answer.status_code == 200, answer.text
    assert answer.json()["mcp_url"] == mcp_url
    tools = tools_of(answer)
    assert set(tools) == {"add", "shout", "broken"}
    assert tools["add"]["description"] == "Add two integers."
    schema = tools["add"]["input_schema"]
    assert schema["type"] == "object"
    assert set(schema["required"]) == {"a", "b"}
    assert schema["properties"]["a"]["type"] == "integer"


def test_the_auth_token_is_sent_as_a_bearer_token(
    api: TestClient, member: dict[str, str], mcp_url: str, authorizations: list[str]
) -> None:
    authorizations.clear()
    answer = api.post(TOOLS, headers=member, json={"mcp_url": mcp_url, "auth_token": "s3cret"})
    assert answer.status_code == 200, answer.text
    assert authorizations
    assert set(authorizations) == {"Bearer s3cret"}


def test_listing_needs_a_caller(api: TestClient, mcp_url: str) -> None:
    assert_error(api.post(TOOLS, json={"mcp_url": mcp_url}), 401)


def test_a_loopback_or_plain_http_url_is_refused_when_strict(
    api: TestClient, member: dict[str, str], mcp_url: str, specs: str, strict: None
) -> None:
    answer = api.post(TOOLS, headers=member, json={"mcp_url": mcp_url})
    assert_error(answer, 422)
    assert "https" in answer.json()["detail"]
    loopback = mcp_url.replace("http://", "https://")
    answer = api.post(TOOLS, headers=member, json={"mcp_url": loopback})
    assert_error(answer, 422)
    assert "public address" in answer.json()["detail"]
    answer = api.post(SPECS, headers=member, json={"url": "https://127.0.0.1:1/openapi.json"})
    assert_error(answer, 422)
    assert "public address" in answer.json()["detail"]


def test_an_mcp_server_that_cannot_be_reached_is_502(
    api: TestClient, member: dict[str, str]
) -> None:
    answer = api.post(TOOLS, headers=member, json={"mcp_url": "http://127.0.0.1:1/mcp"})
    assert_error(answer, 502)
    assert "could not be reached" in answer.json()["detail"]


def test_a_server_that_is_not_mcp_is_502(
    api: TestClient, member: dict[str, str], specs: str
) -> None:
    answer = api.post(TOOLS, headers=member, json={"mcp_url": f"{specs}/openapi.json"})
    assert_error(answer, 502)


def test_the_client_calls_an_mcp_tool(aws: None, mcp_url: str) -> None:
    assert client.call_mcp_tool(mcp_url, None, "add", {"a": 2, "b": 3}) == {"result": 5}
    assert client.call_mcp_tool(mcp_url, "t", "shout", {"text": "hi"}) == {"result": "HI"}
    listed = client.list_mcp_tools(mcp_url)
    assert {tool.name for tool in listed} == {"add", "shout", "broken"}


def test_a_failing_mcp_tool_is_unprocessable_naming_it(aws: None, mcp_url: str) -> None:
    with pytest.raises(Unprocessable, match="'broken' failed"):
        client.call_mcp_tool(mcp_url, None, "broken", {})
    with pytest.raises(Unprocessable, match="Unknown tool"):
        client.call_mcp_tool(mcp_url, None, "missing", {})


def test_an_openapi_31_json_document_is_fetched_with_its_operations(
    api: TestClient, member: dict[str, str], specs: str
) -> None:
    url = f"{specs}/openapi.json"
    answer = api.post(SPECS, headers=member, json={"url": url})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["url"], body["version"], body["title"]) == (url, "3.1.0", "Pets")
    assert body["spec"]["info"]["title"] == "Pets"
    operations = {op["operation_id"]: op for op in body["operations"]}
    assert set(operations) == {"getPet", "post_pets", "broken"}
    get_pet = operations["getPet"]
    assert (get_pet["method"], get_pet["path"]) == ("GET", "/pets/{petId}")
    assert [(p["name"], p["in"], p["required"]) for p in get_pet["parameters"]] == [
        ("petId", "path", True),
        ("verbose", "query", False),
    ]
    assert operations["post_pets"]["request_body"]["schema"]["required"] == ["name"]
    tools = {tool["name"]: tool for tool in body["tools"]}
    assert tools["getPet"] == {
        "type": "http",
        "name": "getPet",
        "method": "GET",
        "url": f"{specs}/api/pets/{{petId}}",
        "description": "One pet",
        "input_schema": {
            "type": "object",
            "properties": {"petId": {"type": "string"}, "verbose": {"type": "boolean"}},
            "required": ["petId"],
        },
    }
    assert tools["post_pets"]["input_schema"]["required"] == ["name"]


def test_a_swagger_20_yaml_document_is_fetched(
    api: TestClient, member: dict[str, str], specs: str
) -> None:
    answer = api.post(SPECS, headers=member, json={"url": f"{specs}/swagger.yaml"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["version"], body["title"]) == ("2.0", "Legacy")
    assert body["tools"][0]["url"] == "https://legacy.example/v2/items"
    assert body["tools"][0]["input_schema"]["properties"] == {"limit": {"type": "integer"}}


def test_a_redirect_is_followed_and_checked_again(
    api: TestClient, member: dict[str, str], specs: str
) -> None:
    answer = api.post(SPECS, headers=member, json={"url": f"{specs}/moved"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["title"] == "Pets"


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/not-openapi.json", 422, "is not OpenAPI"),
        ("/invalid.json", 422, "is not valid OpenAPI 3.1.0"),
        ("/external-ref.json", 422, "is not valid OpenAPI 3.1.0"),
        ("/oversized.json", 413, "more than 5 MB"),
        ("/missing.json", 502, "answered 404"),
    ],
)
def test_a_document_that_is_not_a_valid_openapi_one_is_refused_naming_why(
    api: TestClient, member: dict[str, str], specs: str, path: str, status: int, says: str
) -> None:
    answer = api.post(SPECS, headers=member, json={"url": f"{specs}{path}"})
    assert_error(answer, status)
    assert says in answer.json()["detail"]


def test_an_operation_is_called_with_path_query_and_body(aws: None, specs: str) -> None:
    fetched = client.fetch_spec(f"{specs}/openapi.json")
    tools = {tool["name"]: tool for tool in fetched.tools}
    got = client.call_operation(tools["getPet"], {"petId": "a b", "verbose": True})
    assert got == {"id": "a b", "query": {"verbose": "true"}}
    added = client.call_operation(tools["post_pets"], {"name": "Rex", "age": 3})
    assert added == {"added": {"name": "Rex", "age": 3}}
    with pytest.raises(Unprocessable, match="petId"):
        client.call_operation(tools["getPet"], {})
    with pytest.raises(BadGateway, match="answered 500"):
        client.call_operation(tools["broken"], {})


def test_an_operation_on_a_loopback_url_is_refused_when_strict(
    aws: None, specs: str, strict: None
) -> None:
    tool = {"type": "http", "name": "getPet", "method": "GET", "url": f"{specs}/api/pets/{{petId}}"}
    with pytest.raises(Unprocessable, match="https"):
        client.call_operation(tool, {"petId": "1"})


MCP_CODE = """
def run(input_dict, tools):
    total = tools.call("add", a=input_dict["a"], b=input_dict["b"])
    loud = tools.call("shout", text="ok")
    return {"total": total["result"], "loud": loud["result"]}
"""


def test_sandboxed_code_calls_an_mcp_tool_through_run_code(
    aws: None, member: dict[str, str], mcp_url: str
) -> None:
    from functions.agents.app import app as agents_app

    tools = [
        {"type": "mcp", "name": "add", "mcp_url": mcp_url},
        {"type": "mcp", "name": "shout", "mcp_url": mcp_url, "auth_token": "t"},
    ]
    body = {"code": MCP_CODE, "inputDict": {"a": 2, "b": 40}, "tools": tools}
    with TestClient(agents_app, raise_server_exceptions=False) as agents:
        answer = agents.post("/api/v1/agents/run-code", headers=member, json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["result"] == {"total": 42, "loud": "OK"}
        assert [(call["name"], call["type"]) for call in answer.json()["tool_calls"]] == [
            ("add", "mcp"),
            ("shout", "mcp"),
        ]
        failing = {
            **body,
            "tools": [{"type": "mcp", "name": "add", "mcp_url": "http://127.0.0.1:1/mcp"}],
        }
        answer = agents.post("/api/v1/agents/run-code", headers=member, json=failing)
        assert_error(answer, 422)
        assert "tool 'add'" in answer.json()["detail"]

"""/demos end to end (seed 002 Demo apps): a page generated through the router for the
team's deployed APIs, saved, and fetched from the emulated S3 over HTTP by its presigned
URL, with a content security policy naming exactly its APIs; CRUD, another team's 404,
an unknown API 422, code over the cap 413."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from tests.factories import Account, assert_error, make_agent

DEMOS = "/api/v1/demos"
UNKNOWN = "01JF3ZK1M2N3P4Q5R6S7T8V9W0"
INPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "maxLength": 80, "description": "where"},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "units": {"enum": ["metric", "imperial"]},
    },
    "required": ["city"],
}
CODE = "def run(input_dict, tools):\n    return {'city': input_dict['city']}\n"


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


@pytest.fixture
def deploy() -> Callable[..., str]:
    """`deploy(account, name)`: a code agent of the account's team deployed as `name`
    (POST /agents/{id}/deploy), its input schema the form its page shows."""

    def make(account: Account, name: str) -> str:
        agent = make_agent(
            account,
            f"Agent {name}",
            description=f"{name} answers",
            code=CODE,
            input_schema=INPUT_SCHEMA,
        )
        answer = account.client.post(
            f"/api/v1/agents/{agent}/deploy",
            headers=account.headers,
            json={"friendly_name": name, "public": True},
        )
        assert answer.status_code == 201, answer.text
        return name

    return make


def generate(account: Account, **body: Any) -> Any:
    return account.client.post(f"{DEMOS}/generate-code", headers=account.headers, json=body)


def create(account: Account, **body: Any) -> Any:
    return account.client.post(DEMOS, headers=account.headers, json=body)


class _Page(HTMLParser):
    """The CSP meta element, the one script and the forms of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.policy: str | None = None
        self.scripts: list[str] = []
        self.form_urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "meta" and found.get("http-equiv") == "Content-Security-Policy":
            self.policy = found["content"]
        if tag == "form":
            self.form_urls.append(str(found["data-url"]))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def test_a_generated_demo_is_served_from_s3_calling_only_its_apis(
    admin: Account, deploy: Callable[..., str], published: list[tuple[str, dict[str, Any]]]
) -> None:
    forecast, alerts = deploy(admin, "forecast-demo"), deploy(admin, "alerts-demo")
    deploy(admin, "not-selected")

    generated = generate(
        admin,
        userPrompt="A weather desk: ask for a forecast and for alerts",
        selectedApis=[forecast, alerts],
        modelConfig={"provider": "templates"},
    )
    assert generated.status_code == 200, generated.text
    code = generated.json()
    assert (code["provider"], code["model"]) == ("templates", "templates-1")
    assert (code["tokens"], code["cost_usd"]) == (None, 0)  # nothing was tokenized
    assert "not a language model" in code["thoughts"]
    assert 'data-field="city"' in code["html"]
    assert 'data-type="integer"' in code["html"]

    saved = create(
        admin,
        name="Weather <desk>",
        description='Forecasts & "alerts"',
        selectedApis=[forecast, alerts],
        modelConfig={"provider": "templates"},
        userPrompt="A weather desk",
        generatedCode={k: code[k] for k in ("html", "css", "js")},
        composerThoughts=code["thoughts"],
    )
    assert saved.status_code == 201, saved.text
    demo = saved.json()
    assert demo["expires_in"] > 0
    page = httpx.get(demo["page_url"], timeout=10)  # presigned: no header needed

    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    parsed = _Page()
    parsed.feed(page.text)
    rest = [url for url in demo["api_urls"]]
    assert [url.rsplit("/", 1)[1] for url in rest] == [forecast, alerts]
    assert all(re.fullmatch(r"http://[^/]+/api/v1/rest/[a-z-]+", url) for url in rest)
    assert parsed.form_urls == rest
    assert parsed.policy is not None
    directives = _directives(parsed.policy)
    assert sorted(directives["connect-src"]) == sorted(
        [*rest, *(f"{url}/openapi.json" for url in rest)]
    )
    assert directives["default-src"] == ["'none'"]
    assert directives["form-action"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-src"] == ["'none'"]
    assert directives["style-src"] == ["'unsafe-inline'"]
    [script] = parsed.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert directives["script-src"] == [f"'sha256-{digest}'"]  # this script and no other
    assert "<title>Weather &lt;desk&gt;</title>" in page.text
    assert 'content="Forecasts &amp; &quot;alerts&quot;"' in page.text
    assert page.text.index("Content-Security-Policy") < page.text.index("<style>")
    assert [(kind, data["demo_id"]) for kind, data in published if kind.startswith("demo.")] == [
        ("demo.created", demo["id"])
    ]


def test_crud_list_replace_delete(admin: Account, deploy: Callable[..., str]) -> None:
    api = deploy(admin, "crud-api")
    other = deploy(admin, "crud-other")
    body = {
        "name": "First",
        "selectedApis": [api],
        "generatedCode": {"html": "<p id='x'>one</p>", "css": "p{}", "js": "1;"},
    }
    first = create(admin, **body).json()
    second = create(admin, **{**body, "name": "Second"}).json()

    page = admin.client.get(DEMOS, headers=admin.headers, params={"limit": 1}).json()
    rest = admin.client.get(
        DEMOS, headers=admin.headers, params={"limit": 1, "cursor": page["next_cursor"]}
    ).json()
    assert (page["total"], [d["name"] for d in page["items"]]) == (2, ["Second"])
    assert [d["name"] for d in rest["items"]] == ["First"]
    assert "generatedCode" not in page["items"][0]
    got = admin.client.get(f"{DEMOS}/{first['id']}", headers=admin.headers).json()
    assert got["generatedCode"]["html"] == "<p id='x'>one</p>"

    replaced = admin.client.put(
        f"{DEMOS}/{first['id']}",
        headers=admin.headers,
        json={**body, "name": "Renamed", "selectedApis": [other], "generatedCode": {"js": "2;"}},
    )
    assert replaced.status_code == 200, replaced.text
    after = replaced.json()
    assert (after["name"], after["selectedApis"], after["userPrompt"]) == (
        "Renamed",
        [other],
        "",
    )
    assert after["generatedCode"] == {"html": "", "css": "", "js": "2;"}
    new_page = httpx.get(after["page_url"], timeout=10).text
    assert f"/rest/{other}" in new_page
    assert f"/rest/{api}" not in new_page
    assert httpx.get(first["page_url"], timeout=10).status_code in (403, 404)  # replaced

    deleted = admin.client.delete(f"{DEMOS}/{second['id']}", headers=admin.headers)
    assert deleted.status_code == 204
    assert_error(admin.client.get(f"{DEMOS}/{second['id']}", headers=admin.headers), 404)
    assert httpx.get(second["page_url"], timeout=10).status_code in (403, 404)
    assert admin.client.get(DEMOS, headers=admin.headers).json()["total"] == 1
    assert_error(admin.client.delete(f"{DEMOS}/{second['id']}", headers=admin.headers), 404)


def test_another_teams_demo_is_404(
    admin: Account, new_account: Callable[..., Account], deploy: Callable[..., str]
) -> None:
    api = deploy(admin, "owned-api")
    demo = create(admin, name="Mine", selectedApis=[api], generatedCode={"html": "x"}).json()
    intruder = new_account()
    mine = f"{DEMOS}/{demo['id']}"
    body = {"name": "Taken", "selectedApis": [api], "generatedCode": {}}

    assert_error(intruder.client.get(mine, headers=intruder.headers), 404)
    assert_error(intruder.client.put(mine, headers=intruder.headers, json=body), 404)
    assert_error(intruder.client.delete(mine, headers=intruder.headers), 404)
    assert intruder.client.get(DEMOS, headers=intruder.headers).json()["total"] == 0
    assert admin.client.get(mine, headers=admin.headers).json()["name"] == "Mine"


def test_an_api_the_team_has_not_deployed_is_422(
    admin: Account, new_account: Callable[..., Account], deploy: Callable[..., str]
) -> None:
    theirs = deploy(new_account(), "someone-elses")
    mine = deploy(admin, "mine-422")
    for name in ("never-deployed", theirs):
        body = {"name": "Bad", "selectedApis": [mine, name], "generatedCode": {}}
        assert_error(create(admin, **body), 422)
        assert_error(generate(admin, userPrompt="x", selectedApis=[name]), 422)
    demo = create(admin, name="Good", selectedApis=[mine], generatedCode={}).json()
    bad = {"name": "Bad", "selectedApis": ["never-deployed"], "generatedCode": {}}
    assert_error(admin.client.put(f"{DEMOS}/{demo['id']}", headers=admin.headers, json=bad), 422)
    assert admin.client.get(DEMOS, headers=admin.headers).json()["total"] == 1


def test_bad_composer_and_tools_are_422(admin: Account, deploy: Callable[..., str]) -> None:
    api = deploy(admin, "composer-api")
    unknown = generate(
        admin, userPrompt="x", selectedApis=[api], modelConfig={"provider": "nobody"}
    )
    tools = generate(admin, userPrompt="x", selectedApis=[api], builtInTools=["web_search"])
    twice = generate(admin, userPrompt="x", selectedApis=[api, api])

    assert_error(unknown, 422)
    assert "nobody" in unknown.json()["detail"]
    assert_error(tools, 422)
    assert_error(twice, 422)


def test_code_over_the_cap_is_413_and_nothing_is_stored(
    admin: Account, deploy: Callable[..., str]
) -> None:
    api = deploy(admin, "big-api")
    demo = create(admin, name="Small", selectedApis=[api], generatedCode={"html": "x"}).json()
    # Each part within its own limit; together over 96 KiB.
    big = {"html": "a" * 50_000, "js": "b" * 50_000}

    assert_error(create(admin, name="Big", selectedApis=[api], generatedCode=big), 413)
    replaced = admin.client.put(
        f"{DEMOS}/{demo['id']}",
        headers=admin.headers,
        json={"name": "Big", "selectedApis": [api], "generatedCode": big},
    )
    assert_error(replaced, 413)
    assert admin.client.get(DEMOS, headers=admin.headers).json()["total"] == 1
    assert admin.client.get(f"{DEMOS}/{demo['id']}", headers=admin.headers).json()["name"] == (
        "Small"
    )


def test_unknown_demo_is_404(admin: Account) -> None:
    assert_error(admin.client.get(f"{DEMOS}/{UNKNOWN}", headers=admin.headers), 404)

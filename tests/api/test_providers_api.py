"""The providers group over HTTP (its app, in-process, over emulated AWS): providers' CRUD
with the key kept out of every answer, the base-URL policy, the active provider, the
connection test, models with prices, circuit breakers; the built-in template generator every
team has, listed first and read-only; who may do what, and teams apart."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from functions.providers.app import app
from shared import team_settings
from shared.agents.schemas import AgentCreate
from shared.agents.service import create_agent, delete_agent
from shared.auth.principal import Principal, Role
from shared.auth.tokens import issue_token
from shared.db.base import team_partition
from shared.ids import new_id
from shared.llm import breaker
from shared.llm import provider_keys as keys
from shared.llm.providers.catalog import CATALOG
from shared.llm.providers.templates import TemplateProvider
from shared.llm.registry import clients, service
from shared.llm.registry.models import ProviderItem, provider_key
from shared.settings import get_settings
from shared.team_settings import update_team_settings
from tests.factories import assert_error
from tests.fake_servers import Reply, fake_openai

KEY = "sk-proj-Q7vLx2NfT9pRk4WmZs8YhC1Ab3d"
OTHER_KEY = "sk-ant-api03-Zr5Tq1MvB8nLc3XpWk6JdE0Yu7h"
WRONG_KEY = "sk-proj-Wr0ngKeyWr0ngKeyWr0ngKey9x"
SECRETS = (KEY, OTHER_KEY, WRONG_KEY)


@pytest.fixture(scope="module")
def api(aws: None) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(autouse=True)
def fresh_container() -> Iterator[None]:
    """Cached clients hold pools to fake servers that end with their test."""
    yield
    clients.forget_clients()
    keys.forget_keys()


@dataclass
class Caller:
    """A caller of one team in one role; every answer's text is kept for the key search."""

    client: TestClient
    team_id: str
    role: Role = "admin"
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        principal = Principal(subject=f"user-{self.role}", team_id=self.team_id, role=self.role)
        token = issue_token(principal, ttl_seconds=600)
        self.headers = {"Authorization": f"Bearer {token}"}

    def __call__(self, method: str, path: str, body: Any = None) -> httpx.Response:
        answer = self.client.request(method, f"/api/v1{path}", headers=self.headers, json=body)
        self.seen.append(answer.text)
        return answer

    def as_role(self, role: Role) -> Caller:
        return Caller(self.client, self.team_id, role, self.seen)

    def create(self, name: str, **fields: Any) -> dict[str, Any]:
        body = {"name": name, "kind": "openai", "default_model": "gpt-4o-mini", **fields}
        answer = self("POST", "/providers", body)
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created


@pytest.fixture
def admin(api: TestClient) -> Caller:
    return Caller(api, new_id())


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The store's settings as deployed (`is_local` false): base URLs held to the strict policy."""
    deployed_settings = get_settings().model_copy(update={"app_env": "aws"})
    monkeypatch.setattr(service, "get_settings", lambda: deployed_settings)


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["items"]]


# --- providers ------------------------------------------------------------------------------


def test_a_provider_goes_through_create_read_update_upsert_use_and_delete(admin: Caller) -> None:
    created = admin.create("openai-main", api_key=KEY)
    assert created["api_key"] == {"configured": True, "hint": "sk-proj-…Ab3d"}
    assert (created["kind"], created["base_url"], created["enabled"]) == ("openai", "", True)

    assert admin("GET", "/providers/openai-main").json() == created
    listed = admin("GET", "/providers").json()
    assert (names(listed), listed["total"], listed["limit"]) == (
        ["templates", "openai-main"],
        2,
        20,
    )

    patched = admin(
        "PATCH", "/providers/openai-main", {"default_model": "gpt-4.1", "enabled": False}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["default_model"], patched.json()["enabled"]) == ("gpt-4.1", False)
    assert_error(admin("POST", "/providers/openai-main/use"), 409)  # disabled

    replaced = admin(
        "POST", "/providers/openai-main", {"kind": "openai", "default_model": "gpt-4o"}
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["enabled"] is True
    assert replaced.json()["api_key"]["configured"] is True  # left out: the key is kept

    new = admin(
        "POST",
        "/providers/claude",
        {"kind": "anthropic", "api_key": OTHER_KEY, "default_model": "claude-haiku-4-5"},
    )
    assert new.status_code == 201, new.text
    used = admin("POST", "/providers/claude/use")
    assert (used.status_code, used.json()["name"]) == (200, "claude")
    # The active provider is the team's default provider, the one setting agents read.
    assert team_settings.get_team_settings(admin.team_id).default_provider == "claude"
    assert_error(admin("DELETE", "/providers/claude"), 409)  # the active provider
    assert_error(admin("POST", "/providers/nobody/use"), 404)

    removed_key = admin("PATCH", "/providers/openai-main", {"api_key": None})
    assert removed_key.json()["api_key"] == {"configured": False, "hint": None}
    assert admin("DELETE", "/providers/openai-main").status_code == 204
    assert_error(admin("GET", "/providers/openai-main"), 404)
    assert_error(admin("DELETE", "/providers/openai-main"), 404)
    paged = admin("GET", "/providers?limit=2").json()
    assert (names(paged), paged["total"], paged["next_cursor"]) == (
        ["templates", "claude"],
        2,
        None,
    )

    for text in admin.seen:
        for secret in SECRETS:
            assert secret not in text


def test_a_taken_name_is_409(admin: Caller) -> None:
    admin.create("taken")

    answer = admin("POST", "/providers", {"name": "taken", "kind": "templates"})

    assert_error(answer, 409)
    assert admin("GET", "/providers/taken").json()["kind"] == "openai"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/providers", {"name": "p", "kind": "mistral", "api_key": KEY}),
        ("POST", "/providers", {"name": "p", "kind": "openai", "api_key": KEY, "extra": 1}),
        ("POST", "/providers", {"name": "Not_A_Name", "kind": "templates"}),
        ("POST", "/providers", {"name": "p", "kind": "openai", "api_key": KEY}),  # no model
        ("POST", "/providers", {"name": "p", "kind": "bedrock", "api_key": KEY}),  # keyless
        ("POST", "/providers/Not_A_Name", {"kind": "templates"}),
        ("POST", "/providers/p", {"kind": "anthropic", "api_key": f"{KEY} x"}),
        ("PATCH", "/providers/p", {"kind": None}),
    ],
)
def test_a_bad_request_is_422_without_the_key(
    admin: Caller, method: str, path: str, body: dict[str, Any]
) -> None:
    answer = admin(method, path, body)

    assert_error(answer, 422)
    assert KEY not in answer.text
    assert_error(admin("GET", "/providers/p"), 404)


@pytest.mark.parametrize("base_url", ["https://[9A:eC8d]:65516/I", "https://[::1]/v1"])
def test_a_base_url_names_its_host_or_ipv4_address_as_the_document_says(
    admin: Caller, base_url: str
) -> None:
    # schemathesis sent a malformed IPv6 literal the old pattern allowed; IPv6 endpoints
    # go by their names, as webhooks' do.
    body = {"kind": "openai", "default_model": "gpt-4o", "base_url": base_url}

    answer = admin("POST", "/providers", {"name": "p6", **body})

    assert_error(answer, 422)
    assert_error(admin("GET", "/providers/p6"), 404)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://api.example.com/v1",
        "https://127.0.0.1/v1",
        "https://10.0.0.1/v1",
        "https://169.254.169.254/latest",
    ],
)
@pytest.mark.usefixtures("deployed")
def test_deployed_a_base_url_must_be_https_at_a_public_address(
    admin: Caller, base_url: str
) -> None:
    admin.create("existing")

    body = {"kind": "openai", "default_model": "gpt-4o", "base_url": base_url}
    created = admin("POST", "/providers", {"name": "p", **body})
    upserted = admin("POST", "/providers/existing", body)
    patched = admin("PATCH", "/providers/existing", {"base_url": base_url})

    for answer in (created, upserted, patched):
        assert_error(answer, 422)
        assert "base_url" in answer.json()["detail"]
    assert_error(admin("GET", "/providers/p"), 404)
    assert admin("GET", "/providers/existing").json()["base_url"] == ""


@pytest.mark.usefixtures("deployed")
def test_deployed_a_public_https_address_is_accepted(admin: Caller) -> None:
    created = admin.create("public", base_url="https://8.8.8.8/v1/")

    assert created["base_url"] == "https://8.8.8.8/v1"


def test_a_provider_an_agent_or_a_setting_uses_is_not_deleted(admin: Caller) -> None:
    admin.create("busy")
    agent = create_agent(
        admin.team_id,
        AgentCreate(name="Dev", role="dev", llm_provider="busy", llm_model="gpt-4o-mini"),
    )

    assert_error(admin("DELETE", "/providers/busy"), 409)
    assert admin("GET", "/providers/busy").status_code == 200

    delete_agent(admin.team_id, agent.id)
    update_team_settings(admin.team_id, {"smart_model_fallback": "busy:gpt-4o"})
    assert_error(admin("DELETE", "/providers/busy"), 409)
    assert admin("GET", "/providers/busy").status_code == 200

    update_team_settings(admin.team_id, {"smart_model_fallback": None})
    assert admin("DELETE", "/providers/busy").status_code == 204
    assert_error(admin("GET", "/providers/busy"), 404)


# --- the connection test --------------------------------------------------------------------


def test_the_connection_test_says_why_it_failed_without_the_key(admin: Caller) -> None:
    with fake_openai() as server:
        admin.create("fake", base_url=f"{server.url}/v1", api_key=WRONG_KEY)
        refusal = {"error": {"message": f"Incorrect API key provided: {WRONG_KEY}."}}
        server.script("GET", "/v1/models", Reply(401, refusal))

        failed = admin("POST", "/providers/fake/test")

        assert failed.status_code == 200, failed.text
        assert set(failed.json()) == {"provider", "status", "detail"}
        assert (failed.json()["provider"], failed.json()["status"]) == ("fake", "error")
        assert "Incorrect API key" in failed.json()["detail"]
        assert WRONG_KEY not in failed.text

        admin("PATCH", "/providers/fake", {"api_key": KEY})
        passed = admin("POST", "/providers/fake/test")

        assert passed.json() == {"provider": "fake", "status": "ok", "models_count": 2}
        assert server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    for text in admin.seen:
        for secret in SECRETS:
            assert secret not in text


@pytest.mark.parametrize("kind", ["templates", "offline"], ids=["templates", "older-name"])
def test_a_template_generator_tests_ok_and_an_unknown_one_is_404(admin: Caller, kind: str) -> None:
    # "offline", the template generator's older kind, is still accepted, and read as today's.
    made = admin("POST", "/providers", {"name": "off", "kind": kind})

    assert (made.json()["kind"], made.json()["default_model"]) == ("templates", "templates-1")
    assert admin("GET", "/providers/off").json()["kind"] == "templates"
    assert admin("POST", "/providers/off/test").json() == {
        "provider": "off",
        "status": "ok",
        "models_count": 1,
    }
    assert_error(admin("POST", "/providers/nope/test"), 404)


# --- the built-in template generator --------------------------------------------------------

BUILTIN = {
    "name": "templates",
    "kind": "templates",
    "base_url": "",
    "default_model": "templates-1",
    "enabled": True,
    "api_key": {"configured": False, "hint": None},
    "builtin": True,
    "created_at": None,
    "updated_at": None,
}


def test_a_new_team_sees_the_built_in_template_generator(admin: Caller) -> None:
    member = admin.as_role("member")

    listed = member("GET", "/providers")

    assert listed.status_code == 200, listed.text
    assert listed.json() == {
        "items": [BUILTIN],
        "total": 1,
        "limit": 20,
        "offset": 0,
        "next_cursor": None,
    }
    assert member("GET", "/providers/templates").json() == BUILTIN
    assert member("GET", "/providers/offline").json() == BUILTIN  # its older name
    models = member("GET", "/providers/templates/models").json()["items"]
    assert [(m["provider"], m["id"], m["default"]) for m in models] == [
        ("templates", "templates-1", True)
    ]
    assert member("GET", "/models").json()["items"] == models
    assert member("GET", "/circuit-breakers").json()["items"][0]["provider"] == "templates"
    assert admin("POST", "/providers/templates/test").json() == {
        "provider": "templates",
        "status": "ok",
        "models_count": 1,
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/providers", {"name": "templates", "kind": "templates"}),
        ("POST", "/providers", {"name": "offline", "kind": "templates"}),
        ("POST", "/providers", {"name": "templates", "kind": "openai", "default_model": "m"}),
        ("POST", "/providers/templates", {"kind": "templates", "enabled": False}),
        ("POST", "/providers/offline", {"kind": "openai", "default_model": "gpt-4o"}),
        ("PATCH", "/providers/templates", {"enabled": False}),
        ("PATCH", "/providers/offline", {"default_model": "templates-1"}),
        ("DELETE", "/providers/templates", None),
        ("DELETE", "/providers/offline", None),
    ],
)
def test_the_built_in_cannot_be_changed_deleted_or_shadowed(
    admin: Caller, method: str, path: str, body: Any
) -> None:
    answer = admin(method, path, body)

    assert_error(answer, 409)
    assert "built-in, read-only" in answer.json()["detail"]
    listed = admin("GET", "/providers").json()
    assert (listed["items"], listed["total"]) == ([BUILTIN], 1)
    assert admin("GET", "/providers/templates").json() == BUILTIN


def test_the_openapi_document_declares_the_built_ins_409_and_its_mark() -> None:
    document = app.openapi()
    paths = document["paths"]
    operations = [
        paths["/api/v1/providers"]["post"],
        paths["/api/v1/providers/{name}"]["post"],
        paths["/api/v1/providers/{name}"]["patch"],
        paths["/api/v1/providers/{name}"]["delete"],
    ]

    for operation in operations:
        assert "built-in" in operation["responses"]["409"]["description"]
    assert "builtin" in document["components"]["schemas"]["ProviderPublic"]["required"]


def test_the_built_in_can_be_the_teams_default_provider(admin: Caller) -> None:
    admin.create("openai-main")
    admin("POST", "/providers/openai-main/use")

    used = admin("POST", "/providers/offline/use")  # the older name: stored as today's

    assert (used.status_code, used.json()) == (200, BUILTIN)
    assert team_settings.get_team_settings(admin.team_id).default_provider == "templates"
    # The team's own provider is no longer the default, so it goes; the built-in stays.
    assert admin("DELETE", "/providers/openai-main").status_code == 204
    assert_error(admin("DELETE", "/providers/templates"), 409)
    assert admin("GET", "/providers").json()["items"] == [BUILTIN]


def test_paging_counts_the_built_in_first_then_the_teams_own(admin: Caller) -> None:
    for name in ("c-own", "a-own", "b-own"):
        admin.create(name)

    first = admin("GET", "/providers?limit=1").json()
    pages = [first]
    while pages[-1]["next_cursor"] is not None and len(pages) < 10:
        pages.append(admin("GET", f"/providers?limit=1&cursor={pages[-1]['next_cursor']}").json())

    assert (names(first), first["total"], first["limit"]) == (["templates"], 4, 1)
    assert (names(pages[1]), pages[1]["total"]) == (["a-own"], 4)
    assert [name for page in pages for name in names(page)] == [
        "templates",
        "a-own",
        "b-own",
        "c-own",
    ]
    assert all(len(page["items"]) <= 1 for page in pages)
    two = admin("GET", "/providers?limit=2").json()
    rest = admin("GET", f"/providers?limit=2&cursor={two['next_cursor']}").json()
    assert (names(two), names(rest)) == (["templates", "a-own"], ["b-own", "c-own"])
    by_offset = [names(admin("GET", f"/providers?limit=1&offset={n}").json()) for n in range(5)]
    assert by_offset == [["templates"], ["a-own"], ["b-own"], ["c-own"], []]


def test_paging_a_team_with_only_the_built_in_ends_after_it(admin: Caller) -> None:
    page = admin("GET", "/providers?limit=1").json()

    assert (names(page), page["total"], page["next_cursor"]) == (["templates"], 1, None)


def test_another_teams_providers_never_appear(admin: Caller) -> None:
    admin.create("their-own", api_key=KEY)
    other = Caller(admin.client, new_id())

    listed = other("GET", "/providers").json()
    paged = other("GET", "/providers?limit=1").json()

    assert (listed["items"], listed["total"]) == ([BUILTIN], 1)
    assert (names(paged), paged["next_cursor"]) == (["templates"], None)
    assert {item["provider"] for item in other("GET", "/models").json()["items"]} == {"templates"}
    assert_error(other("GET", "/providers/their-own"), 404)
    # The owner's list holds its own and the built-in, each once.
    assert names(admin("GET", "/providers").json()) == ["templates", "their-own"]
    assert KEY not in "".join(other.seen)


def test_an_item_stored_under_the_built_ins_name_before_it_was_reserved_is_shadowed(
    admin: Caller,
) -> None:
    # Given an openai provider "templates", stored while the name was still free
    admin.create("legacy")
    stored = ProviderItem.get(team_partition(admin.team_id), provider_key("legacy"))
    values = stored.attribute_values | {"sk": provider_key("templates"), "name": "templates"}
    del values["version"]
    ProviderItem(**values).save()  # a new item, under the built-in's name

    # Then the built-in answers for the name, listed once, and is what calls reach
    listed = admin("GET", "/providers").json()
    assert (names(listed), listed["total"]) == (["templates", "legacy"], 2)
    assert admin("GET", "/providers/templates").json() == BUILTIN
    assert isinstance(clients.client_for(admin.team_id, "templates"), TemplateProvider)


# --- models ---------------------------------------------------------------------------------


def test_a_providers_models_come_from_the_catalog_with_prices(admin: Caller) -> None:
    admin.create("gpt", default_model="gpt-4o-mini-2024-07-18")  # an alias of gpt-4o-mini

    answer = admin("GET", "/providers/gpt/models")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [item["id"] for item in body["items"]] == [entry.id for entry in CATALOG["openai"]]
    assert body["total"] == len(CATALOG["openai"])
    assert body["prices_published"]
    mini = next(item for item in body["items"] if item["id"] == "gpt-4o-mini")
    assert mini == {
        "provider": "gpt",
        "kind": "openai",
        "id": "gpt-4o-mini",
        "label": "GPT-4o mini",
        "input_usd_per_million": 0.15,
        "output_usd_per_million": 0.60,
        "aliases": ["gpt-4o-mini-2024-07-18"],
        "default": True,
    }
    assert [item["id"] for item in body["items"] if item["default"]] == ["gpt-4o-mini"]


def test_one_model_by_id_or_alias_and_an_unknown_one_is_404(admin: Caller) -> None:
    admin.create("gpt")

    by_id = admin("GET", "/providers/gpt/models/gpt-4o")
    by_alias = admin("GET", "/providers/gpt/models/gpt-4o-2024-11-20")

    assert by_id.status_code == 200, by_id.text
    assert by_alias.json() == by_id.json()
    assert (by_id.json()["input_usd_per_million"], by_id.json()["output_usd_per_million"]) == (
        2.5,
        10.0,
    )
    assert_error(admin("GET", "/providers/gpt/models/claude-haiku-4-5"), 404)
    assert_error(admin("GET", "/providers/nope/models/gpt-4o"), 404)
    assert_error(admin("GET", "/providers/nope/models"), 404)


def test_a_default_model_the_catalog_does_not_know_is_listed_unpriced(admin: Caller) -> None:
    admin.create("router", base_url="http://127.0.0.1:9/v1", default_model="meta/llama-3.1-8b")

    listed = admin("GET", "/providers/router/models").json()
    one = admin("GET", "/providers/router/models/meta/llama-3.1-8b")

    assert listed["items"][-1] == one.json()
    assert one.json() == {
        "provider": "router",
        "kind": "openai",
        "id": "meta/llama-3.1-8b",
        "label": "meta/llama-3.1-8b",
        "input_usd_per_million": None,
        "output_usd_per_million": None,
        "aliases": [],
        "default": True,
    }


def test_the_catalog_lists_every_providers_models(admin: Caller) -> None:
    admin.create("gpt")
    admin("POST", "/providers", {"name": "off", "kind": "templates"})

    offline = admin("GET", "/providers/off/models").json()["items"]
    catalog = admin("GET", "/models")

    assert [(item["id"], item["default"], item["input_usd_per_million"]) for item in offline] == [
        ("templates-1", True, 0.0)
    ]
    assert catalog.status_code == 200, catalog.text
    items = catalog.json()["items"]
    assert catalog.json()["total"] == len(items) == len(CATALOG["openai"]) + 2
    assert [item["provider"] for item in items][:2] == ["templates", "gpt"]  # listing order
    assert {item["provider"] for item in items} == {"templates", "gpt", "off"}
    assert {"provider": "off", "kind": "templates", "id": "templates-1"}.items() <= items[
        -1
    ].items()
    assert all("input_usd_per_million" in item for item in items)


# --- circuit breakers -----------------------------------------------------------------------


def test_every_provider_has_a_breaker_closed_until_something_is_stored(admin: Caller) -> None:
    admin.create("alpha")
    admin("POST", "/providers", {"name": "beta", "kind": "templates"})
    breaker.record_failure(admin.team_id, "alpha", "RateLimited 429", breaker.BreakerPolicy())
    breaker.force_open(admin.team_id, "ghost")  # a stored breaker whose provider is gone

    listed = admin("GET", "/circuit-breakers")

    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == 3
    builtin, alpha, beta = listed.json()["items"]
    assert (builtin["provider"], builtin["state"]) == ("templates", "closed")
    assert (alpha["provider"], alpha["state"], alpha["failures"]) == ("alpha", "closed", 1)
    assert alpha["last_error"] == "RateLimited 429"
    assert (beta["provider"], beta["state"], beta["failures"]) == ("beta", "closed", 0)


def test_an_admin_forces_a_breaker_open_and_closed_and_resets_it(admin: Caller) -> None:
    admin.create("alpha")
    for _ in range(2):
        breaker.record_failure(admin.team_id, "alpha", "Unavailable 503", breaker.BreakerPolicy())

    opened = admin("POST", "/circuit-breakers/alpha/force-open")

    assert opened.status_code == 200, opened.text
    assert (opened.json()["state"], opened.json()["forced"]) == ("open", True)
    assert breaker_of(admin, "alpha")["state"] == "open"

    closed = admin("POST", "/circuit-breakers/alpha/force-close").json()
    assert (closed["state"], closed["forced"], closed["failures"]) == ("closed", False, 0)

    admin("POST", "/circuit-breakers/alpha/force-open")
    reset = admin("POST", "/circuit-breakers/alpha/reset").json()
    assert (reset["state"], reset["forced"], reset["failures"]) == ("closed", False, 0)
    assert breaker_of(admin, "alpha")["state"] == "closed"


def breaker_of(caller: Caller, provider: str) -> dict[str, Any]:
    listed = caller("GET", "/circuit-breakers").json()["items"]
    found: dict[str, Any] = next(item for item in listed if item["provider"] == provider)
    return found


@pytest.mark.parametrize("action", ["force-open", "force-close", "reset"])
def test_a_breaker_of_a_provider_the_team_does_not_have_is_404(admin: Caller, action: str) -> None:
    breaker.force_open(admin.team_id, "ghost")  # stored, but no such provider

    assert_error(admin("POST", f"/circuit-breakers/ghost/{action}"), 404)
    assert_error(admin("POST", f"/circuit-breakers/nope/{action}"), 404)


# --- who may call ---------------------------------------------------------------------------

READS = [
    "/providers",
    "/providers/p",
    "/providers/p/models",
    "/providers/p/models/gpt-4o",
    "/models",
    "/circuit-breakers",
]
WRITES: list[tuple[str, str, Any]] = [
    ("POST", "/providers", {"name": "q", "kind": "templates"}),
    ("POST", "/providers/p", {"kind": "templates"}),
    ("PATCH", "/providers/p", {"enabled": False}),
    ("DELETE", "/providers/p", None),
    ("POST", "/providers/p/use", None),
    ("POST", "/providers/p/test", None),
    ("POST", "/circuit-breakers/p/force-open", None),
    ("POST", "/circuit-breakers/p/force-close", None),
    ("POST", "/circuit-breakers/p/reset", None),
]
UPSERT = ("POST", "/providers/p")


def names_p(path: str) -> bool:
    return "/p/" in f"{path}/"


def test_a_member_reads_but_does_not_change(admin: Caller) -> None:
    admin.create("p")
    member = admin.as_role("member")

    for path in READS:
        assert member("GET", path).status_code == 200, path
    for method, path, body in WRITES:
        assert_error(member(method, path, body), 403)
    provider = admin("GET", "/providers/p").json()
    assert (provider["kind"], provider["enabled"]) == ("openai", True)
    assert names(admin("GET", "/providers").json()) == ["templates", "p"]


def test_without_credentials_or_as_an_agent_nothing_is_served(admin: Caller) -> None:
    admin.create("p")
    agent = admin.as_role("agent")

    for path in READS:
        assert_error(admin.client.get(f"/api/v1{path}"), 401)
        assert_error(agent("GET", path), 403)
    for method, path, body in WRITES:
        assert_error(admin.client.request(method, f"/api/v1{path}", json=body), 401)
        assert_error(agent(method, path, body), 403)
    assert admin("GET", "/providers/p").json()["enabled"] is True


def test_another_teams_provider_is_404_on_every_route_that_names_one(admin: Caller) -> None:
    admin.create("p", api_key=KEY)
    intruder = Caller(admin.client, new_id())

    every: list[tuple[str, str, Any]] = [("GET", path, None) for path in READS] + WRITES
    # The upsert is left out: the same name in another team is that team's own provider.
    named = [(m, path, body) for m, path, body in every if names_p(path) and (m, path) != UPSERT]
    assert len(named) == 10
    for method, path, body in named:
        assert_error(intruder(method, path, body), 404)

    assert intruder("POST", "/providers/p", {"kind": "templates"}).status_code == 201
    assert admin("GET", "/providers/p").json()["kind"] == "openai"
    assert admin("GET", "/providers/p").json()["enabled"] is True
    assert names(intruder("GET", "/providers").json()) == ["templates", "p"]
    assert breaker_of(admin, "p")["state"] == "closed"
    assert {item["kind"] for item in intruder("GET", "/models").json()["items"]} == {"templates"}
    for text in intruder.seen:
        assert KEY not in text

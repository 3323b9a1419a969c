"""/marketplace end to end through the local gateway: the shipped templates listed (by
category, by words, paged), read, and installed, each for real (every object it makes then
read through its own route), once per team however often asked (the same ids, nothing new,
an interrupted install resumed), with its parameters checked before anything is made, and
one team's install never another's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.errors import ServiceUnavailable
from shared.marketplace import catalog
from tests.factories import Account, assert_error
from tests.fake_triggers import remove_trigger_schedules

TEMPLATES = "/api/v1/marketplace/templates"
SHIPPED = [template.id for template in catalog.templates()]
# The parameters each shipped template needs (the rest take their defaults); the GitHub
# template's source is made per team in `parameters_for`.
PARAMETERS: dict[str, dict[str, str]] = {
    "nightly-dependency-audit": {"repository": "acme/shop", "timezone": "Europe/Berlin"},
    "github-push-to-job": {"repository": "acme/shop", "branch": "release"},
    "daily-cost-digest": {"hour": "7"},
    "release-checklist": {"product": "Acme Shop"},
    "failed-job-triage": {},
}


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Iterator[Account]:
    yield new_account()
    remove_trigger_schedules()


def install(account: Account, template_id: str, parameters: dict[str, str] | None = None) -> Any:
    body = None if parameters is None else {"parameters": parameters}
    return account.client.post(
        f"{TEMPLATES}/{template_id}/install", headers=account.headers, json=body
    )


def github_source(account: Account, scheme: str = "github") -> str:
    answer = account.client.post(
        "/api/v1/webhooks/sources",
        headers=account.headers,
        json={"name": f"{scheme} pushes", "scheme": scheme},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def parameters_for(account: Account, template_id: str) -> dict[str, str]:
    parameters = dict(PARAMETERS[template_id])
    if template_id == "github-push-to-job":
        parameters["source_id"] = github_source(account)
    return parameters


def total(account: Account, path: str) -> int:
    answer = account.client.get(f"/api/v1/{path}", headers=account.headers)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["total"])


def counts(account: Account) -> dict[str, int]:
    return {path: total(account, path) for path in ("agents", "workflows", "triggers")}


def read(account: Account, path: str, object_id: str) -> dict[str, Any]:
    answer = account.client.get(f"/api/v1/{path}/{object_id}", headers=account.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


# Listing and reading.


def test_every_shipped_template_is_listed_by_category_then_name(admin: Account) -> None:
    answer = admin.client.get(TEMPLATES, headers=admin.headers, params={"limit": 100})

    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["total"] == len(SHIPPED) >= 5
    assert [item["id"] for item in page["items"]] == SHIPPED
    listed = {item["id"]: item for item in page["items"]}
    assert listed["release-checklist"]["contents"] == {"agents": 1, "workflows": 1, "triggers": 0}
    audit = listed["nightly-dependency-audit"]
    assert audit["category"] == "security"
    assert {p["name"]: p["required"] for p in audit["parameters"]} == {
        "repository": True,
        "timezone": False,
    }


def test_a_category_and_words_narrow_the_list(admin: Account) -> None:
    def ids(**query: Any) -> list[str]:
        answer = admin.client.get(TEMPLATES, headers=admin.headers, params=query)
        assert answer.status_code == 200, answer.text
        assert answer.json()["total"] == len(answer.json()["items"])
        return [item["id"] for item in answer.json()["items"]]

    assert ids(category="security") == ["nightly-dependency-audit"]
    assert ids(category="costs") == ["daily-cost-digest"]
    assert ids(search="GitHub") == ["github-push-to-job"]  # any case
    assert ids(search="approval") == ["failed-job-triage", "release-checklist"]  # tags
    assert ids(search="approval", category="release") == ["release-checklist"]
    assert ids(search="no template says this") == []
    assert_error(admin.client.get(TEMPLATES, headers=admin.headers, params={"category": "x"}), 422)


def test_the_list_is_paged_by_offset_and_by_cursor(admin: Account) -> None:
    first = admin.client.get(TEMPLATES, headers=admin.headers, params={"limit": 2}).json()
    assert [item["id"] for item in first["items"]] == SHIPPED[:2]
    assert first["total"] == len(SHIPPED)
    second = admin.client.get(
        TEMPLATES, headers=admin.headers, params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [item["id"] for item in second["items"]] == SHIPPED[2:4]
    by_offset = admin.client.get(
        TEMPLATES, headers=admin.headers, params={"limit": 2, "offset": 2}
    ).json()
    assert by_offset["items"] == second["items"]
    last = admin.client.get(
        TEMPLATES, headers=admin.headers, params={"limit": 100, "offset": len(SHIPPED) - 1}
    ).json()
    assert [item["id"] for item in last["items"]] == SHIPPED[-1:]
    assert last["next_cursor"] is None
    bad = admin.client.get(TEMPLATES, headers=admin.headers, params={"cursor": "not-ours"})
    assert_error(bad, 400)


def test_a_template_is_read_whole_and_an_unknown_one_is_404(
    admin: Account, client_at: Callable[[], Any]
) -> None:
    answer = admin.client.get(f"{TEMPLATES}/release-checklist", headers=admin.headers)

    assert answer.status_code == 200, answer.text
    template = answer.json()
    assert template["name"] == "Release checklist"
    assert template["install"] is None
    steps = template["workflows"][0]["steps"]
    assert [step["step_type"] for step in steps] == [
        "agent_task",
        "agent_task",
        "approval",
        "agent_task",
    ]
    assert steps[0]["agent_id"] == "${agent.release_manager}"  # filled in at install
    assert_error(admin.client.get(f"{TEMPLATES}/no-such-template", headers=admin.headers), 404)
    assert_error(install(admin, "no-such-template"), 404)
    assert_error(admin.client.get(f"{TEMPLATES}/Not_An_Id", headers=admin.headers), 422)
    assert_error(client_at().get(TEMPLATES), 401)


# Installing.


@pytest.mark.parametrize("template_id", SHIPPED)
def test_each_shipped_template_installs_for_real(admin: Account, template_id: str) -> None:
    template = catalog.get_template(template_id)
    before = counts(admin)

    answer = install(admin, template_id, parameters_for(admin, template_id))

    assert answer.status_code == 201, answer.text
    installed = answer.json()
    assert installed["template_id"] == template_id
    assert installed["status"] == "installed"
    assert installed["installed_at"]
    created = installed["created"]
    assert [len(created[kind]) for kind in ("agents", "workflows", "triggers")] == [
        len(template.agents),
        len(template.workflows),
        len(template.triggers),
    ]
    assert counts(admin) == {
        "agents": before["agents"] + len(template.agents),
        "workflows": before["workflows"] + len(template.workflows),
        "triggers": before["triggers"] + len(template.triggers),
    }
    agents = [read(admin, "agents", agent_id) for agent_id in created["agents"]]
    assert [agent["name"] for agent in agents] == [spec.name for spec in template.agents]
    assert all(agent["llm_provider"] == "templates" for agent in agents)
    for workflow_id, spec in zip(created["workflows"], template.workflows, strict=True):
        workflow = read(admin, "workflows", workflow_id)
        assert len(workflow["steps"]) == len(spec.steps)
        ids = {step["name"]: step["id"] for step in workflow["steps"]}
        for step in workflow["steps"]:
            if step["step_type"] == "agent_task":
                assert step["agent_id"] in created["agents"]
            assert all(need in ids.values() for need in step["depends_on"])
            assert "${" not in str(step["config"])
    for trigger_id in created["triggers"]:
        trigger = read(admin, "triggers", trigger_id)
        assert trigger["enabled"] is True
        assert "${" not in str(trigger)
        action = trigger["action"]
        if action["type"] == "create_task":
            assert action["task"]["agent_id"] in created["agents"]
        if action["type"] == "run_workflow":
            assert action["workflow_id"] in created["workflows"]
    detail = admin.client.get(f"{TEMPLATES}/{template_id}", headers=admin.headers).json()
    assert detail["install"] == installed


def test_the_parameters_reach_what_is_made(admin: Account) -> None:
    source_id = github_source(admin)
    created = install(
        admin, "github-push-to-job", {"repository": "acme/shop", "source_id": source_id}
    ).json()["created"]
    trigger = read(admin, "triggers", created["triggers"][0])
    assert trigger["type"] == "event"
    assert trigger["config"] == {
        "event": "hook.received",
        "filters": {
            "data.scheme": "github",
            "data.sender_type": "push",
            "data.source_id": source_id,
            "payload.ref": "refs/heads/main",  # the default branch
            "payload.repository.full_name": "acme/shop",
        },
    }
    assert trigger["action"]["job"]["platform"] == ["python-api"]
    # The sender's fields stay placeholders for each fire to fill.
    assert "{{payload.head_commit.message}}" in trigger["action"]["job"]["description"]

    audit = install(admin, "nightly-dependency-audit", {"repository": "acme/api"}).json()
    nightly = read(admin, "triggers", audit["created"]["triggers"][0])
    assert nightly["config"] == {"cron": "0 2 * * *", "timezone": "UTC"}
    assert nightly["next_fire_times"], nightly
    assert "acme/api" in nightly["action"]["task"]["instructions"]


def test_an_optional_parameter_left_out_leaves_its_filter_out(admin: Account) -> None:
    created = install(admin, "github-push-to-job").json()["created"]

    filters = read(admin, "triggers", created["triggers"][0])["config"]["filters"]
    assert filters == {
        "data.scheme": "github",
        "data.sender_type": "push",
        "payload.ref": "refs/heads/main",
    }


def test_installing_twice_makes_nothing_new_and_answers_the_same_ids(admin: Account) -> None:
    first = install(admin, "failed-job-triage")
    assert first.status_code == 201, first.text
    after_first = counts(admin)

    again = install(admin, "failed-job-triage")
    with_empty_body = install(admin, "failed-job-triage", {})

    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert with_empty_body.status_code == 200
    assert with_empty_body.json() == first.json()
    assert counts(admin) == after_first
    # Other parameters cannot change what was made: 409, still nothing new.
    audit = install(admin, "nightly-dependency-audit", {"repository": "acme/one"})
    assert audit.status_code == 201
    other = install(admin, "nightly-dependency-audit", {"repository": "acme/two"})
    assert_error(other, 409)
    assert "acme/one" in other.json()["detail"]


def test_a_member_installs_as_a_member_creates_agents_and_triggers(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    member = new_account(invited_by=admin, role="member")

    answer = install(member, "daily-cost-digest")

    assert answer.status_code == 201, answer.text
    trigger = read(admin, "triggers", answer.json()["created"]["triggers"][0])
    assert trigger["config"] == {"cron": "0 8 * * *", "timezone": "UTC"}


@pytest.mark.parametrize(
    ("parameters", "says"),
    [
        ({}, "parameter repository is required"),
        ({"repository": "not a repository"}, "parameter repository does not fit"),
        ({"repository": "acme/shop", "branch": "main"}, "has no parameter branch"),
        ({"repository": "acme/shop", "timezone": "Mars/Olympus_Mons"}, "Mars/Olympus_Mons"),
        ({"repository": "acme/shop", "timezone": "x" * 300}, "timezone"),
    ],
)
def test_bad_parameters_are_422_and_nothing_is_made(
    admin: Account, parameters: dict[str, str], says: str
) -> None:
    before = counts(admin)

    answer = install(admin, "nightly-dependency-audit", parameters)

    assert_error(answer, 422)
    assert says in str(answer.json()["detail"])
    assert counts(admin) == before
    detail = admin.client.get(f"{TEMPLATES}/nightly-dependency-audit", headers=admin.headers)
    assert detail.json()["install"] is None
    # The same install with good parameters goes through afterwards.
    good = install(admin, "nightly-dependency-audit", {"repository": "acme/shop"})
    assert good.status_code == 201, good.text


def test_a_source_that_is_not_the_teams_github_source(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    stranger = new_account()
    theirs = github_source(stranger)
    assert_error(install(admin, "github-push-to-job", {"source_id": theirs}), 404)
    stripe = github_source(admin, scheme="stripe")
    refused = install(admin, "github-push-to-job", {"source_id": stripe})
    assert_error(refused, 422)
    assert "not github" in refused.json()["detail"]
    assert total(admin, "triggers") == 0


def test_another_team_installs_its_own_and_never_sees_the_first(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    mine = install(admin, "release-checklist").json()
    other = new_account()

    before = other.client.get(f"{TEMPLATES}/release-checklist", headers=other.headers).json()
    theirs = install(other, "release-checklist")

    assert before["install"] is None
    assert theirs.status_code == 201, theirs.text  # its first install, not the admin's
    for kind in ("agents", "workflows"):
        assert set(theirs.json()["created"][kind]).isdisjoint(mine["created"][kind])
        for object_id in mine["created"][kind]:
            answer = other.client.get(f"/api/v1/{kind}/{object_id}", headers=other.headers)
            assert_error(answer, 404)
    step_agents = {
        step["agent_id"]
        for step in read(other, "workflows", theirs.json()["created"]["workflows"][0])["steps"]
        if step["agent_id"]
    }
    assert step_agents == set(theirs.json()["created"]["agents"])


def test_an_interrupted_install_is_resumed_not_repeated(
    admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.triggers import service as triggers

    real = triggers.create_trigger
    calls: list[str] = []

    def unavailable_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["name"])
        if len(calls) == 1:
            raise ServiceUnavailable("Storage is unavailable; try again shortly")
        return real(*args, **kwargs)

    monkeypatch.setattr(triggers, "create_trigger", unavailable_once)
    before = counts(admin)

    failed = install(admin, "failed-job-triage")

    assert_error(failed, 503)
    half = admin.client.get(f"{TEMPLATES}/failed-job-triage", headers=admin.headers).json()
    assert half["install"]["status"] == "installing"
    assert len(half["install"]["created"]["agents"]) == 1
    assert len(half["install"]["created"]["workflows"]) == 1
    assert half["install"]["created"]["triggers"] == []

    resumed = install(admin, "failed-job-triage")

    assert resumed.status_code == 201, resumed.text
    assert resumed.json()["created"]["agents"] == half["install"]["created"]["agents"]
    assert resumed.json()["created"]["workflows"] == half["install"]["created"]["workflows"]
    assert counts(admin) == {
        "agents": before["agents"] + 1,
        "workflows": before["workflows"] + 1,
        "triggers": before["triggers"] + 1,
    }
    workflow = read(admin, "workflows", resumed.json()["created"]["workflows"][0])
    assert [step["name"] for step in workflow["steps"]] == ["Diagnose", "Retry?"]


def test_an_install_in_progress_elsewhere_is_409(admin: Account) -> None:
    from shared.ids import utcnow
    from shared.marketplace import store
    from shared.marketplace.domain import Install
    from shared.marketplace.install import LEASE

    store.create_install(
        Install(
            team_id=admin.team_id,
            template_id="daily-cost-digest",
            status="installing",
            parameters={"hour": "8", "timezone": "UTC"},
            lease_until=utcnow() + LEASE,
        )
    )
    before = counts(admin)

    answer = install(admin, "daily-cost-digest")

    assert_error(answer, 409)
    assert "being installed" in answer.json()["detail"]
    assert counts(admin) == before

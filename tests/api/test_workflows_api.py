"""/workflows end to end through the local gateway: CRUD, steps whose dependencies must be
the workflow's own and form no cycle (422 naming it), templates copied, another team's
workflow not found."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.llm.providers.templates import MODEL as TEMPLATES_MODEL
from tests.factories import Account, assert_error

WORKFLOWS = "/api/v1/workflows"


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


def make_workflow(account: Account, **changes: Any) -> dict[str, Any]:
    answer = account.client.post(
        WORKFLOWS, headers=account.headers, json={"name": "Release", **changes}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def add_step(account: Account, workflow_id: str, name: str, **changes: Any) -> Any:
    body = {"name": name, "step_type": "wait", "config": {"seconds": 1}, **changes}
    return account.client.post(
        f"{WORKFLOWS}/{workflow_id}/steps", headers=account.headers, json=body
    )


def test_steps_with_dependencies_are_listed_in_order(admin: Account) -> None:
    workflow = make_workflow(admin, description="ship it", config={"env": "prod"})
    first = add_step(admin, workflow["id"], "build", order=1).json()
    second = add_step(admin, workflow["id"], "notify", order=2, depends_on=["build"])
    assert second.status_code == 201, second.text
    assert second.json()["depends_on"] == [first["id"]]  # a name resolves to the step's id
    by_id = add_step(admin, workflow["id"], "deploy", order=0, depends_on=[first["id"]])
    assert by_id.json()["depends_on"] == [first["id"]]

    got = admin.client.get(f"{WORKFLOWS}/{workflow['id']}", headers=admin.headers).json()
    assert [step["name"] for step in got["steps"]] == ["deploy", "build", "notify"]
    assert got["config"] == {"env": "prod"}
    assert got["description"] == "ship it"
    listed = admin.client.get(WORKFLOWS, headers=admin.headers).json()
    assert [item["id"] for item in listed["items"]] == [workflow["id"]]


def test_a_step_depending_on_itself_is_refused_naming_it(admin: Account) -> None:
    workflow = make_workflow(admin)
    answer = add_step(admin, workflow["id"], "loop", depends_on=["loop"])
    assert_error(answer, 422)
    assert "loop → loop" in answer.json()["detail"]
    got = admin.client.get(f"{WORKFLOWS}/{workflow['id']}", headers=admin.headers).json()
    assert got["steps"] == []


def test_a_cycle_is_refused_naming_it_and_nothing_changes(admin: Account) -> None:
    workflow = make_workflow(admin)
    a = add_step(admin, workflow["id"], "a").json()
    add_step(admin, workflow["id"], "b", depends_on=["a"])
    c = add_step(admin, workflow["id"], "c", depends_on=["b"]).json()
    answer = admin.client.patch(
        f"{WORKFLOWS}/{workflow['id']}/steps/{a['id']}",
        headers=admin.headers,
        json={"depends_on": [c["id"]]},
    )
    assert_error(answer, 422)
    assert "a → c → b → a" in answer.json()["detail"]
    got = admin.client.get(f"{WORKFLOWS}/{workflow['id']}", headers=admin.headers).json()
    assert next(s for s in got["steps"] if s["name"] == "a")["depends_on"] == []
    # A change that keeps the graph acyclic is taken.
    fine = admin.client.patch(
        f"{WORKFLOWS}/{workflow['id']}/steps/{c['id']}",
        headers=admin.headers,
        json={"depends_on": ["a", "b"]},
    )
    assert fine.status_code == 200, fine.text


def test_an_unknown_dependency_is_refused(admin: Account) -> None:
    workflow = make_workflow(admin)
    answer = add_step(admin, workflow["id"], "b", depends_on=["nowhere"])
    assert_error(answer, 422)
    assert "nowhere" in answer.json()["detail"]


def test_bad_steps_are_refused(admin: Account) -> None:
    workflow = make_workflow(admin)
    assert_error(add_step(admin, workflow["id"], "x", config={"seconds": -1}), 422)
    assert_error(add_step(admin, workflow["id"], "x", step_type="webhook", config={}), 422)
    assert_error(add_step(admin, workflow["id"], "x", step_type="agent_task", config={}), 422)
    assert add_step(admin, workflow["id"], "x").status_code == 201
    assert_error(add_step(admin, workflow["id"], "x"), 409)  # names are unique


def test_a_step_others_depend_on_cannot_be_removed(admin: Account) -> None:
    workflow = make_workflow(admin)
    a = add_step(admin, workflow["id"], "a").json()
    b = add_step(admin, workflow["id"], "b", depends_on=["a"]).json()
    step = f"{WORKFLOWS}/{workflow['id']}/steps"
    assert_error(admin.client.delete(f"{step}/{a['id']}", headers=admin.headers), 409)
    assert admin.client.delete(f"{step}/{b['id']}", headers=admin.headers).status_code == 204
    assert admin.client.delete(f"{step}/{a['id']}", headers=admin.headers).status_code == 204


def test_an_agent_task_step_needs_one_of_the_teams_agents(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    other = new_account()
    agent = other.client.post(
        "/api/v1/agents",
        headers=other.headers,
        json={
            "name": "W",
            "role": "writer",
            "llm_provider": "templates",
            "llm_model": TEMPLATES_MODEL,
        },
    ).json()["id"]
    workflow = make_workflow(admin)
    answer = add_step(
        admin,
        workflow["id"],
        "write",
        step_type="agent_task",
        agent_id=agent,
        config={"instructions": "Write the notes"},
    )
    assert_error(answer, 404)


def test_a_template_is_copied_with_its_dependencies(admin: Account) -> None:
    template = make_workflow(admin, name="Onboarding", is_template=True)
    a = add_step(admin, template["id"], "a").json()
    add_step(admin, template["id"], "b", depends_on=["a"])
    answer = admin.client.post(f"{WORKFLOWS}/{template['id']}/copy", headers=admin.headers)
    assert answer.status_code == 201, answer.text
    copy = answer.json()
    assert copy["id"] != template["id"]
    assert copy["is_template"] is False
    steps = {step["name"]: step for step in copy["steps"]}
    assert steps["a"]["id"] != a["id"]
    assert steps["b"]["depends_on"] == [steps["a"]["id"]]
    # Only a template is copied.
    again = admin.client.post(f"{WORKFLOWS}/{copy['id']}/copy", headers=admin.headers)
    assert_error(again, 409)


def test_another_teams_workflow_is_not_found(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    workflow = make_workflow(admin)
    other = new_account()
    path = f"{WORKFLOWS}/{workflow['id']}"
    assert_error(other.client.get(path, headers=other.headers), 404)
    assert_error(add_step(other, workflow["id"], "x"), 404)
    assert_error(other.client.delete(path, headers=other.headers), 404)
    assert admin.client.delete(path, headers=admin.headers).status_code == 204
    assert_error(admin.client.get(path, headers=admin.headers), 404)

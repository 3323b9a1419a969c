"""POST /agents/generate-code (seed 002) over the local gateway: the built-in template
generator writes real agents for simple descriptions, which run in the sandbox and give the
right answer; and the journey the issue promises, from a description to a deployed,
callable agent in four requests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.ids import new_id
from shared.sandbox import runner
from tests.factories import Account, assert_error

API = "/api/v1"


@pytest.fixture(scope="module", autouse=True)
def _spare_child() -> Iterator[None]:
    yield
    runner.discard_spare()


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


def generate(account: Account, **body: Any) -> Any:
    return account.client.post(f"{API}/agents/generate-code", headers=account.headers, json=body)


def run(account: Account, generated: dict[str, Any], input_dict: Any) -> Any:
    answer = account.client.post(
        f"{API}/agents/run-code",
        headers=account.headers,
        json={
            "code": generated["code"],
            "inputDict": input_dict,
            "input_schema": generated["input_schema"],
            "output_schema": generated["output_schema"],
        },
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


@pytest.mark.parametrize(
    ("description", "input_dict", "result"),
    [
        ("Reverse the text", {"text": "stressed"}, {"reversed": "desserts"}),
        ("Count words in a sentence", {"text": "one two  three"}, {"count": 3}),
        ("Add two numbers", {"a": 2, "b": 40}, {"sum": 42}),
        ("Multiply two numbers", {"a": 6, "b": 7}, {"product": 42}),
        ("Make the text upper case", {"text": "shout"}, {"result": "SHOUT"}),
    ],
)
def test_the_template_generator_writes_agents_that_give_the_right_answer(
    admin: Account, description: str, input_dict: Any, result: Any
) -> None:
    answer = generate(admin, description=description)

    assert answer.status_code == 200, answer.text
    generated = answer.json()
    assert generated["provider"] == "templates"
    assert generated["tokens"] is None  # it counts none, and none are made up
    assert generated["cost_usd"] == 0
    assert "not a language model" in generated["thoughts"]
    assert run(admin, generated, input_dict) == result


def test_the_generator_follows_the_schemas_given(admin: Account) -> None:
    schema = {
        "type": "object",
        "properties": {"left": {"type": "integer"}, "right": {"type": "integer"}},
        "required": ["left", "right"],
    }

    generated = generate(admin, description="Add them up", inputSchema=schema).json()

    assert generated["input_schema"] == schema
    assert run(admin, generated, {"left": 1, "right": 2}) == {"sum": 3}


def test_any_other_description_gets_an_agent_asking_the_teams_model(admin: Account) -> None:
    generated = generate(admin, description="Write a haiku about the input").json()

    result = run(admin, generated, {"topic": "rain"})

    # tools.llm went through the router to the built-in template generator, which says so.
    assert "Template generator" in result["answer"]


@pytest.mark.parametrize(
    "body",
    [
        {"description": "Reverse", "modelConfig": {"provider": "no-such-provider"}},
        {"description": "Reverse", "inputSchema": {"type": 12}},
        {"description": "   "},
    ],
    ids=["unknown-provider", "invalid-schema", "blank"],
)
def test_a_request_the_team_cannot_serve_is_422(admin: Account, body: dict[str, Any]) -> None:
    assert_error(generate(admin, **body), 422)


def test_four_requests_from_a_description_to_a_deployed_agent(
    admin: Account, client_at: Any
) -> None:
    # 1. The code and its metadata.
    generated = generate(admin, description="Count the words of a text").json()
    # 2. The agent.
    created = admin.client.post(
        f"{API}/agents",
        headers=admin.headers,
        json={
            "name": "Word counter",
            "description": "Counts the words of a text",
            **{
                k: generated[k]
                for k in ("code", "docstring", "input_schema", "output_schema", "tools")
            },
            "friendlyName": f"word-count-{new_id().lower()[-8:]}",
            "composerThoughts": generated["thoughts"],
        },
    )
    assert created.status_code == 201, created.text
    # 3. Deployed, behind a key (the default) under the agent's friendly name.
    deployed = admin.client.post(
        f"{API}/agents/{created.json()['id']}/deploy", headers=admin.headers
    )
    assert deployed.status_code == 201, deployed.text
    deployment = deployed.json()
    assert deployment["friendly_name"] == created.json()["friendly_name"]
    assert deployment["public"] is False
    # 4. Called by anyone holding the key.
    answer = client_at().post(
        deployment["url"].removeprefix("http://testserver"),
        headers={"X-API-Key": deployment["api_key"]},
        json={"text": "to be or not to be"},
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"count": 6}

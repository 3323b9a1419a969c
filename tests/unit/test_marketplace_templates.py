"""Marketplace templates as data: a template whose references name nothing is refused when
loaded, and rendering fills references in, leaving out what an omitted parameter held."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shared.errors import Unprocessable
from shared.marketplace import catalog
from shared.marketplace.domain import Template
from shared.marketplace.render import render, resolve_parameters


def _template(**changes: Any) -> dict[str, Any]:
    return {
        "id": "example",
        "name": "Example",
        "category": "devops",
        "summary": "s",
        "description": "d",
        "parameters": [
            {"name": "repo", "description": "r"},
            {"name": "branch", "description": "b", "default": "main"},
        ],
        "agents": [{"key": "helper", "name": "Helper", "role": "helper"}],
        **changes,
    }


def _trigger(text: str) -> dict[str, Any]:
    return {
        "key": "t",
        "name": text,
        "type": "event",
        "config": {"event": "job.failed"},
        "action": {"type": "run_agent", "agent_id": "${agent.helper}", "prompt": "p"},
    }


def test_the_shipped_catalog_loads_every_file() -> None:
    ids = {template.id for template in catalog.templates()}
    assert {"nightly-dependency-audit", "github-push-to-job", "daily-cost-digest"} <= ids


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("${agent.nobody}", "names nothing"),
        ("${workflow.none}", "names nothing"),
        ("push to ${param.repo} now", "is part of"),  # optional without a default, inline
    ],
)
def test_a_reference_that_cannot_be_filled_is_refused_at_load(text: str, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        Template.model_validate(_template(triggers=[_trigger(text)]))


def test_rendering_fills_references_and_drops_what_an_omitted_parameter_held() -> None:
    template = Template.model_validate(_template(triggers=[_trigger("on ${param.branch}")]))
    parameters = resolve_parameters(template, {})
    assert parameters == {"branch": "main"}

    rendered = render(
        {
            "filters": {"repo": "${param.repo}", "ref": "refs/heads/${param.branch}"},
            "id": "${agent.helper}",
        },
        parameters,
        {"agent": {"helper": "01JF3ZA1B2C3D4E5F6G7H8J9K0"}, "workflow": {}},
    )

    assert rendered == {
        "filters": {"ref": "refs/heads/main"},
        "id": "01JF3ZA1B2C3D4E5F6G7H8J9K0",
    }


def test_parameters_are_checked_against_the_declaration() -> None:
    template = Template.model_validate(
        _template(
            parameters=[
                {"name": "n", "description": "a number", "required": True, "pattern": "^[0-9]+$"}
            ]
        )
    )
    assert resolve_parameters(template, {"n": "42"}) == {"n": "42"}
    for given, says in [
        ({}, "required"),
        ({"n": "x"}, "does not fit"),
        ({"n": "1", "m": "2"}, "no parameter m"),
    ]:
        with pytest.raises(Unprocessable, match=says):
            resolve_parameters(template, given)

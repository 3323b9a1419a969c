"""`{{event...}}` placeholders in trigger actions: checked against the event type's sample
when the trigger is made, filled from the event's JSON when it fires, never executed."""

from __future__ import annotations

import copy
import json
import re
import tracemalloc
from typing import Any

import pytest

from shared.errors import PayloadTooLarge, Unprocessable
from shared.event_rules import patterns
from shared.event_rules.patterns import envelope
from shared.event_rules.templates import (
    MAX_PLACEHOLDERS,
    MAX_RENDERED_BYTES,
    RenderError,
    check_template,
    render,
)
from shared.webhooks import catalog

JOB_ACTION = {
    "type": "start_job",
    "job": {
        "name": "fix {{ event.data.slug }}",
        "description": "Phase {{event.data.phase}} failed: {{event.data.failure.kind}}",
        "features": ["retry", "{{event.data.failure.attempts}}"],
    },
}


def failed_phase(**data: Any) -> dict[str, Any]:
    return {
        "id": "e1",
        "type": "job.phase.failed",
        "timestamp": "2026-12-04T09:00:00+00:00",
        "data": {**catalog.sample("job.phase.failed"), **data},
    }


def push(payload: Any) -> dict[str, Any]:
    bus_event = {
        "id": "e2",
        "detail-type": "hook.received",
        "time": "2026-12-04T09:00:00Z",
        "detail": catalog.sample("hook.received"),
    }
    return envelope(bus_event, payload=payload)


# Creation.


def test_fields_of_the_event_types_sample_are_accepted() -> None:
    check_template(JOB_ACTION, "job.phase.failed")
    check_template("{{event.type}} at {{event.timestamp}} ({{event.id}})", "job.failed")
    check_template({"prompt": "no placeholders at all"}, "job.failed")


def test_a_field_the_event_type_does_not_have_is_refused_at_creation_naming_it() -> None:
    action = {"type": "start_job", "job": {"name": "build {{event.data.repository.name}}"}}
    with pytest.raises(Unprocessable) as refused:
        check_template(action, "job.failed")
    assert refused.value.status_code == 422
    detail = refused.value.detail
    assert detail.startswith("action.job.name: {{event.data.repository.name}}")
    assert "job.failed events have no field event.data.repository" in detail
    assert "event.data.job_id" in detail  # what it could have used


def test_the_field_is_named_where_it_is_in_lists_and_under_a_given_root() -> None:
    with pytest.raises(Unprocessable, match=re.escape("trigger.action.tags[1]: ")):
        check_template({"tags": ["ok", "{{event.data.nope}}"]}, "job.failed", "trigger.action")


def test_a_path_below_a_single_value_or_a_null_is_refused() -> None:
    with pytest.raises(Unprocessable, match=re.escape("no field event.data.slug.name")):
        check_template("{{event.data.slug.name}}", "job.failed")
    # phase is null in a created job: there is nothing below it to read
    with pytest.raises(Unprocessable, match=re.escape("no field event.data.phase.name")):
        check_template("{{event.data.phase.name}}", "job.created")
    check_template("{{event.data.phase}}", "job.created")


def test_for_a_prefix_every_type_it_names_must_have_the_field() -> None:
    check_template("{{event.data.job_id}} {{event.data.status}}", "job.*")
    check_template("{{event.data.team_id}}", "*")
    with pytest.raises(Unprocessable, match=re.escape("events have no field event.data.failure")):
        check_template("{{event.data.failure.kind}}", "job.*")


def test_an_unknown_event_type_is_refused() -> None:
    with pytest.raises(Unprocessable, match="unknown event type"):
        check_template("{{event.data.x}}", "job.exploded")


def test_a_schedule_has_no_event_to_read() -> None:
    check_template({"prompt": "daily report"}, None)
    with pytest.raises(Unprocessable, match="a schedule has no event"):
        check_template({"prompt": "report {{event.data.team_id}}"}, None)


def test_the_senders_payload_is_open_for_hook_received_only() -> None:
    action = {"job": {"name": "{{event.payload.repository.name}}", "ref": "{{event.data.scheme}}"}}
    check_template(action, "hook.received")
    check_template("{{event.payload.commits[0].id}}", "hook.received")
    with pytest.raises(
        Unprocessable, match=re.escape("job.failed events have no field event.payload")
    ):
        check_template(action, "job.failed")


def test_a_list_index_is_judged_by_the_samples_first_element(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listed = catalog.EventType("x.listed", "a type with a list", {"items": [{"name": "a"}]})
    monkeypatch.setattr(catalog, "EVENT_TYPES", (*catalog.EVENT_TYPES, listed))
    monkeypatch.setattr(catalog, "TYPES", catalog.TYPES | {"x.listed"})
    check_template("{{event.data.items[3].name}} {{event.data.items.0.name}}", "x.listed")
    with pytest.raises(Unprocessable, match=re.escape("no field event.data.items.0.size")):
        check_template("{{event.data.items[0].size}}", "x.listed")
    with pytest.raises(Unprocessable, match=re.escape("no field event.data.items.name")):
        check_template("{{event.data.items.name}}", "x.listed")


@pytest.mark.parametrize(
    "text",
    [
        "{{ event.data.slug | upper }}",
        "{{ event.data.slug() }}",
        "{{ event['data'] }}",
        "{{ event.data.slug + 'x' }}",
        "{{ event.data.failure.attempts * 10 ** 9 }}",
        "{{ event.data.items[-1] }}",
        "{{ event.data.__class__.__mro__[1].__subclasses__() }}",
        "{{event.data.slug if event else ''}}",
        "{{ event|attr('__class__') }}",
    ],
)
def test_filters_calls_and_expressions_are_refused_at_creation_and_at_render(text: str) -> None:
    with pytest.raises(Unprocessable, match="without filters, calls or expressions"):
        check_template({"prompt": text}, "job.phase.failed")
    with pytest.raises(RenderError, match="without filters, calls or expressions"):
        render({"prompt": text}, failed_phase())


def test_attribute_names_are_fields_the_event_does_not_have() -> None:
    for text in ("{{event.__class__}}", "{{ event.data.slug.__class__ }}", "{{event.data.keys}}"):
        with pytest.raises(Unprocessable, match="have no field"):
            check_template(text, "job.phase.failed")
        with pytest.raises(RenderError, match="has no field"):
            render(text, failed_phase())


@pytest.mark.parametrize(
    "text",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ self.__init__.__globals__ }}",
        "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
        "{{ 7 * 7 }}",
        "{{ events }}",
    ],
)
def test_other_braces_are_text_left_as_written(text: str) -> None:
    check_template({"prompt": text}, "job.failed")
    assert render({"prompt": text}, failed_phase()) == {"prompt": text}


def test_placeholders_in_keys_are_refused() -> None:
    with pytest.raises(Unprocessable, match="placeholders go in values"):
        check_template({"{{event.data.slug}}": "x"}, "job.failed")
    check_template({"{{ not ours }}": "x"}, "job.failed")


def test_too_many_placeholders_are_refused() -> None:
    check_template(["{{event.data.slug}}"] * MAX_PLACEHOLDERS, "job.failed")
    with pytest.raises(Unprocessable, match=f"at most {MAX_PLACEHOLDERS} placeholders"):
        check_template(["{{event.data.slug}}"] * (MAX_PLACEHOLDERS + 1), "job.failed")


def test_a_template_that_is_not_json_is_refused() -> None:
    with pytest.raises(Unprocessable, match="not a JSON value"):
        check_template({"x": {1, 2}}, "job.failed")


# Rendering.


def test_a_json_action_is_filled_throughout_and_the_template_is_left_alone() -> None:
    before = copy.deepcopy(JOB_ACTION)
    rendered = render(JOB_ACTION, failed_phase())
    assert rendered == {
        "type": "start_job",
        "job": {
            "name": "fix todo-api",
            "description": "Phase code failed: timeout",
            "features": ["retry", 3],
        },
    }
    assert before == JOB_ACTION


def test_a_placeholder_alone_keeps_the_json_type_and_inside_text_becomes_json_text() -> None:
    event = failed_phase(tags=["a", "b"], phase=None, ok=True)
    assert render("{{event.data.tags}}", event) == ["a", "b"]
    assert (
        render("{{ event.data.failure }}", event) == catalog.sample("job.phase.failed")["failure"]
    )
    assert render("{{event.data.phase}}", event) is None
    text = "tags={{event.data.tags}} phase={{event.data.phase}} ok={{event.data.ok}}"
    assert render(text, event) == 'tags=["a","b"] phase=null ok=true'
    assert render("{{event.data.slug}}{{event.data.slug}}", event) == "todo-apitodo-api"


def test_list_indexes_are_read_with_brackets_or_digit_segments() -> None:
    event = push({"commits": [{"id": "c1"}, {"id": "c2", "files": ["a.py"]}]})
    assert render("{{event.payload.commits[1].id}}", event) == "c2"
    assert render("{{event.payload.commits.0.id}}", event) == "c1"
    assert render("{{ event.payload.commits[1].files[0] }}", event) == "a.py"
    with pytest.raises(RenderError, match=re.escape("no field event.payload.commits.2")):
        render("{{event.payload.commits[2].id}}", event)
    # an index is not a key, and a key is not an index
    with pytest.raises(RenderError, match="has no field"):
        render("{{event.payload[0]}}", push({"0": "x"}))
    assert render("{{event.payload.0}}", push({"0": "x"})) == "x"
    with pytest.raises(RenderError, match="has no field"):
        render("{{event.payload.commits.first}}", event)


def test_a_github_push_fills_a_job_from_the_senders_payload() -> None:
    action = {
        "job": {
            "name": "build {{event.payload.repository.name}}",
            "ref": "{{event.data.sender_type}}",
        }
    }
    check_template(action, "hook.received")
    rendered = render(action, push({"repository": {"name": "factory"}}))
    assert rendered == {"job": {"name": "build factory", "ref": "push"}}


def test_a_value_missing_at_fire_time_is_an_error_naming_it_not_an_empty_string() -> None:
    with pytest.raises(RenderError) as failed:
        render({"job": {"name": "build {{event.payload.repository.name}}"}}, push({"ref": "x"}))
    assert failed.value.status_code == 422
    assert failed.value.detail == (
        "action.job.name: {{event.payload.repository.name}}: the hook.received event has no"
        " field event.payload.repository"
    )
    with pytest.raises(RenderError, match=re.escape("no field event.payload")):
        render("{{event.payload.ref}}", failed_phase())


def test_a_value_is_inserted_once_never_read_as_a_template() -> None:
    event = push({"title": "{{event.data.team_id}} {{ ''.__class__ }}"})
    rendered = render({"prompt": "Title: {{event.payload.title}}"}, event)
    assert rendered == {"prompt": "Title: {{event.data.team_id}} {{ ''.__class__ }}"}


def test_the_rendered_action_is_capped_in_size() -> None:
    half = "x" * (MAX_RENDERED_BYTES // 2)
    event = push({"big": half})
    assert render({"a": "{{event.payload.big}}"}, event) == {"a": half}
    with pytest.raises(PayloadTooLarge, match="over 64 KB"):
        render({"a": "{{event.payload.big}}", "b": "{{event.payload.big}}"}, event)
    # repeated, it stops at the first value over the cap instead of building 25 MB first
    bus_sized = push({"big": "x" * 250_000})
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooLarge):
            render("{{event.payload.big}} " * MAX_PLACEHOLDERS, bus_sized)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000
    # a whole value counts as its JSON
    with pytest.raises(PayloadTooLarge):
        render("{{event.payload}}", push({"items": ["y" * 1000] * 100}))
    # multi-byte text counts in bytes
    with pytest.raises(PayloadTooLarge):
        render("{{event.payload.big}}", push({"big": "é" * (MAX_RENDERED_BYTES // 2 + 1)}))


def test_the_cap_holds_over_the_template_text_too() -> None:
    long_text = "y" * (MAX_RENDERED_BYTES - 2)  # with its quotes, exactly the cap
    assert render(long_text, failed_phase()) == long_text
    with pytest.raises(PayloadTooLarge):
        render([long_text, "{{event.data.slug}}"], failed_phase())


def test_lookups_never_touch_python_attributes() -> None:
    class Sneaky(dict[str, Any]):
        secret = "attribute"

    event = {"type": "job.failed", "data": Sneaky(slug="s")}
    assert render("{{event.data.slug}}", event) == "s"
    with pytest.raises(RenderError):
        render("{{event.data.secret}}", event)
    with pytest.raises(patterns.Missing):
        patterns.lookup("text", ["upper"])


def test_every_catalog_sample_renders_every_field_it_accepts() -> None:
    # What creation accepts, a real event of that type can fill.
    for known in catalog.EVENT_TYPES:
        fields = [path for path in patterns.fields_of(known.type) if "<" not in path]
        template = {path: "{{event." + path + "}}" for path in fields}
        check_template(template, known.type)
        rendered = render(template, patterns.sample_envelope(known.type))
        assert json.dumps(rendered)
        assert rendered["data.team_id"] == known.sample["team_id"]

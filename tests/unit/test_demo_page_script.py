"""The template generator's demo page works: its forms, read from the HTML it renders, are
filled and submitted to its script under Node with a minimal DOM, and the script POSTs
the typed input as JSON to the API's URL and shows the answer as text."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from typing import Any

import pytest

from shared.demos import template_page
from shared.llm.types import PhaseTask

URL = "http://127.0.0.1:8000/api/v1/rest/forecast"
SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "maxLength": 80},
        "days": {"type": "integer"},
        "units": {"enum": ["metric", "imperial"]},
        "alerts": {"type": "boolean"},
        "extra": {"type": "object"},
        "note": {"type": "string"},
    },
    "required": ["city"],
}

# Just enough DOM for the script: one form whose fields are given, its output element, and
# fetch recording the call.
HARNESS = """
const given = JSON.parse(process.argv[1]);
const calls = [];
const fields = given.fields.map((f) => ({ dataset: { field: f.field, type: f.type },
  value: f.value ?? "", checked: Boolean(f.checked) }));
const form = { dataset: given.form, listeners: {},
  addEventListener(kind, listener) { this.listeners[kind] = listener; },
  querySelector() { return null; }, querySelectorAll() { return fields; } };
const output = { textContent: "", classes: new Set(),
  classList: { add: (c) => output.classes.add(c), remove: (c) => output.classes.delete(c) } };
globalThis.document = { querySelectorAll: () => [form], getElementById: () => output };
globalThis.fetch = async (url, init) => {
  calls.push({ url, method: init.method, headers: init.headers, body: JSON.parse(init.body) });
  return { ok: true, status: 200, statusText: "OK", text: async () => '{"forecast":"sunny"}' };
};
(0, eval)(given.script);
form.listeners.submit({ preventDefault() {} });
setTimeout(() => console.log(JSON.stringify({ calls, shown: output.textContent,
  error: output.classes.has("error") })), 20);
"""


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: dict[str, str] = {}
        self.fields: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.form = {
                "url": found["data-url"],
                "name": found["data-name"],
                "output": found["data-output"],
            }
        if "data-field" in found:
            self.fields.append({"field": found["data-field"], "type": found["data-type"]})


def _page() -> dict[str, Any]:
    api = {"friendly_name": "forecast", "url": URL, "description": "", "input_schema": SCHEMA}
    task = PhaseTask(phase=template_page.PHASE, spec={"prompt": "p", "apis": [api]})
    return dict(json.loads(template_page.render(task)))


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="needs Node to run the page's script")
def test_the_page_posts_typed_input_to_its_api_and_shows_the_answer() -> None:
    assert NODE is not None
    page = _page()
    parsed = _Form()
    parsed.feed(page["html"])
    values: dict[str, dict[str, Any]] = {
        "city": {"value": "Lyon"},
        "days": {"value": "3"},
        "units": {"value": '"imperial"'},
        "alerts": {"checked": True},
        "extra": {"value": '{"lang": "fr"}'},
        "note": {"value": ""},  # empty and optional: left out
    }
    fields = [{**field, **values[field["field"]]} for field in parsed.fields]
    given = {"form": parsed.form, "fields": fields, "script": page["js"]}

    ran = subprocess.run(
        [NODE, "-e", HARNESS, json.dumps(given)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    result = json.loads(ran.stdout)

    assert [field["field"] for field in parsed.fields] == list(SCHEMA["properties"])
    [call] = result["calls"]
    assert (call["url"], call["method"]) == (URL, "POST")
    assert call["headers"]["Content-Type"] == "application/json"
    assert call["body"] == {
        "city": "Lyon",
        "days": 3,
        "units": "imperial",
        "alerts": True,
        "extra": {"lang": "fr"},
    }
    assert result["shown"] == '200 OK\n{\n  "forecast": "sunny"\n}'
    assert result["error"] is False


def test_a_task_that_is_not_a_demo_is_refused() -> None:
    from shared.llm.types import ProviderError

    with pytest.raises(ProviderError):
        template_page.render(PhaseTask(phase="dev", spec={}))

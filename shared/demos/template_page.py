"""What the built-in template generator answers to a demo request: a real, working page,
not a model's. It does not read the prompt for meaning (it shows it as the page's intro)
and says so in its thoughts.

For each selected API a form built from the deployment's input schema (a field per
property: text, number, checkbox, a choice for an enum, JSON for objects and arrays, one
JSON box when there is no schema), and one script, the same for every page, that POSTs a
form's values as JSON to the form's `data-url` (`<api base>/rest/<friendly_name>`) and
shows the answer as text (never as HTML). The router hands this renderer the task built by
shared.demos.generate; the answer is the JSON every composer returns there.
"""

from __future__ import annotations

import html
import json
from typing import Any, Final

from shared.llm.providers.templates import MODEL
from shared.llm.types import PhaseTask, ProviderError

PHASE: Final = "demo.page"
MAX_FIELDS: Final = 50
_LONG_TEXT: Final = 200

_CSS = """\
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { max-width: 48rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
header p { color: GrayText; }
section { border: 1px solid GrayText; border-radius: 0.5rem; padding: 1rem; margin: 1.5rem 0; }
label { display: block; margin: 0.75rem 0 0.25rem; font-weight: 600; }
label small { font-weight: 400; color: GrayText; }
input[type=text], input[type=number], select, textarea { width: 100%; box-sizing: border-box; }
textarea { min-height: 5rem; font-family: ui-monospace, monospace; }
button { margin-top: 1rem; padding: 0.4rem 1.2rem; }
pre { white-space: pre-wrap; word-break: break-word; padding: 0.75rem; border-radius: 0.5rem;
  background: color-mix(in srgb, GrayText 15%, transparent); min-height: 1.5rem; }
pre.error { outline: 2px solid #c0392b; }
"""

# Reads each field by its data-type; an empty optional field is left out of the input.
_JS = """\
"use strict";
function readField(field) {
  const kind = field.dataset.type;
  if (kind === "boolean") return [true, field.checked];
  const text = field.value;
  if (text === "") return [false, undefined];
  if (kind === "integer") return [true, parseInt(text, 10)];
  if (kind === "number") return [true, Number(text)];
  if (kind === "json" || kind === "enum") return [true, JSON.parse(text)];
  return [true, text];
}
function readInput(form) {
  const whole = form.querySelector("[data-whole]");
  if (whole) return whole.value.trim() === "" ? {} : JSON.parse(whole.value);
  const input = {};
  for (const field of form.querySelectorAll("[data-field]")) {
    const [present, value] = readField(field);
    if (present) input[field.dataset.field] = value;
  }
  return input;
}
async function call(form, output) {
  output.classList.remove("error");
  let input;
  try {
    input = readInput(form);
  } catch (problem) {
    output.classList.add("error");
    output.textContent = "Not valid JSON: " + problem.message;
    return;
  }
  output.textContent = "Calling " + form.dataset.name + "...";
  try {
    const answer = await fetch(form.dataset.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(input),
    });
    const text = await answer.text();
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (ignored) {}
    output.textContent = answer.status + " " + answer.statusText + "\\n" + shown;
    if (!answer.ok) output.classList.add("error");
  } catch (problem) {
    output.classList.add("error");
    output.textContent = "The call failed: " + problem.message;
  }
}
for (const form of document.querySelectorAll("form[data-url]")) {
  const output = document.getElementById(form.dataset.output);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    call(form, output);
  });
}
"""


def _attr(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _label(field_id: str, name: str, prop: dict[str, Any], required: bool) -> str:
    note = prop.get("description") or prop.get("title") or ""
    hint = f" <small>{html.escape(str(note))}</small>" if note else ""
    star = " *" if required else ""
    return f'<label for="{field_id}">{html.escape(name)}{star}{hint}</label>'


def _field(form_id: str, index: int, name: str, prop: Any, required: bool) -> str:
    prop = prop if isinstance(prop, dict) else {}
    field_id = f"{form_id}-f{index}"
    label = _label(field_id, name, prop, required)
    common = f'id="{field_id}" data-field="{_attr(name)}"'
    need = " required" if required else ""
    default = prop.get("default")
    kind = prop.get("type")
    enum = prop.get("enum")
    if isinstance(enum, list) and enum:
        options = "".join(
            f'<option value="{_attr(json.dumps(choice))}"'
            f"{' selected' if choice == default else ''}>{html.escape(str(choice))}</option>"
            for choice in enum
        )
        blank = "" if required else '<option value=""></option>'
        return f'{label}<select {common} data-type="enum"{need}>{blank}{options}</select>'
    if kind == "boolean":
        checked = " checked" if default is True else ""
        return f'{label}<input type="checkbox" {common} data-type="boolean"{checked}>'
    if kind in ("integer", "number"):
        step = "1" if kind == "integer" else "any"
        bounds = "".join(
            f' {attr}="{_attr(prop[key])}"'
            for key, attr in (("minimum", "min"), ("maximum", "max"))
            if isinstance(prop.get(key), int | float) and not isinstance(prop.get(key), bool)
        )
        value = f' value="{_attr(default)}"' if isinstance(default, int | float) else ""
        return (
            f'{label}<input type="number" step="{step}" {common} data-type="{kind}"'
            f"{bounds}{value}{need}>"
        )
    if kind == "string":
        limit = prop.get("maxLength")
        length = f' maxlength="{int(limit)}"' if isinstance(limit, int) else ""
        text = default if isinstance(default, str) else ""
        if isinstance(limit, int) and limit <= _LONG_TEXT:
            return (
                f'{label}<input type="text" {common} data-type="string"{length}'
                f' value="{_attr(text)}"{need}>'
            )
        return (
            f'{label}<textarea {common} data-type="string"{length}{need}>'
            f"{html.escape(text)}</textarea>"
        )
    text = json.dumps(default, indent=2) if default is not None else ""
    return (
        f'{label}<textarea {common} data-type="json" placeholder="JSON"{need}>'
        f"{html.escape(text)}</textarea>"
    )


def _form(index: int, api: dict[str, Any]) -> str:
    name = str(api["friendly_name"])
    form_id = f"api{index}"
    schema = api.get("input_schema") if isinstance(api.get("input_schema"), dict) else None
    properties = schema.get("properties") if schema else None
    if isinstance(properties, dict) and properties:
        required = set(schema.get("required") or ()) if schema else set()
        fields = "\n".join(
            _field(form_id, number, str(key), prop, key in required)
            for number, (key, prop) in enumerate(list(properties.items())[:MAX_FIELDS])
        )
    else:
        fields = (
            f'<label for="{form_id}-whole">Input <small>as JSON (the API declares no '
            f'fields)</small></label><textarea id="{form_id}-whole" data-whole>{{}}</textarea>'
        )
    description = api.get("description") or ""
    about = f"<p>{html.escape(str(description))}</p>" if description else ""
    return "\n".join(
        (
            f'<section aria-labelledby="{form_id}-title">',
            f'<h2 id="{form_id}-title">{html.escape(name)}</h2>',
            about,
            f'<form data-url="{_attr(api["url"])}" data-name="{_attr(name)}"'
            f' data-output="{form_id}-out">',
            fields,
            f'<button type="submit">Call {html.escape(name)}</button>',
            "</form>",
            f'<pre id="{form_id}-out" aria-live="polite"></pre>',
            "</section>",
        )
    )


def render(task: PhaseTask) -> str:
    """The composer's answer (JSON: html, css, js, thoughts) for a demo task."""
    if task.phase != PHASE:
        raise ProviderError(
            f"the template generator has no templates here for phase {task.phase!r}",
            kind="bad_request",
        )
    apis = list(task.spec.get("apis") or ())
    prompt = str(task.spec.get("prompt") or "").strip()
    title = str(task.spec.get("title") or "Demo")
    intro = f"<p>{html.escape(prompt)}</p>" if prompt else ""
    body = "\n".join(
        (
            "<header>",
            f"<h1>{html.escape(title)}</h1>",
            intro,
            "</header>",
            "<main>",
            *(_form(index, api) for index, api in enumerate(apis)),
            "</main>",
        )
    )
    names = ", ".join(str(api["friendly_name"]) for api in apis)
    thoughts = (
        f"Template generator ({MODEL}), not a language model: one form per selected API "
        f"({names}) built from its input schema, and a script that POSTs each form as JSON "
        "to its API and shows the answer. The prompt is shown as the page's introduction, "
        "not interpreted."
    )
    return json.dumps({"html": body, "css": _CSS, "js": _JS, "thoughts": thoughts})

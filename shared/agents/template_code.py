"""What the built-in template generator answers to POST /agents/generate-code: a real agent,
not a model's. It recognises a few simple tasks in the description (reverse a text, count
its words or characters, change its case, add or multiply two numbers) and writes the
agent for them, with input and output schemas to match; any other description gets an
agent that hands its input and the description to `tools.llm` (the team's model through
the router). It reads the description only for those words, and says so in `thoughts`.

Field names come from the request's schemas when it gives them (the first string
property for a text, the first two numeric ones for numbers, the first output property),
else from the task. The code follows agents15's convention: `run(input_dict, tools)`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from shared.llm.providers.templates import MODEL
from shared.llm.types import PhaseTask, ProviderError

PHASE: Final = "agent.code"
NAME_WORDS: Final = 4


@dataclass(frozen=True, slots=True)
class _Task:
    """A task the generator can write: its inputs' kind and names, its output's name and
    type, and the expression computing it from the inputs' local names."""

    key: str
    pattern: re.Pattern[str]
    inputs: tuple[str, ...]  # default input names
    kind: str  # "string" or "number": the inputs' type
    output: str
    output_type: str
    expression: Callable[[tuple[str, ...]], str]
    summary: str


_TASKS: Final = (
    _Task(
        "reverse",
        re.compile(r"\brevers"),
        ("text",),
        "string",
        "reversed",
        "string",
        lambda names: f"{names[0]}[::-1]",
        "reverses the text",
    ),
    _Task(
        "words",
        re.compile(r"\bwords?\b.*\bcount|\bcount.*\bwords?\b|\bword[- ]?count"),
        ("text",),
        "string",
        "count",
        "integer",
        lambda names: f"len({names[0]}.split())",
        "counts the words of the text (runs of non-space characters)",
    ),
    _Task(
        "characters",
        re.compile(r"\bcount.*\b(characters|chars|letters)\b|\blength of\b"),
        ("text",),
        "string",
        "count",
        "integer",
        lambda names: f"len({names[0]})",
        "counts the characters of the text",
    ),
    _Task(
        "upper",
        re.compile(r"\bupper[- ]?case|\bcapitali[sz]e|\bto upper\b"),
        ("text",),
        "string",
        "result",
        "string",
        lambda names: f"{names[0]}.upper()",
        "upper-cases the text",
    ),
    _Task(
        "lower",
        re.compile(r"\blower[- ]?case|\bto lower\b"),
        ("text",),
        "string",
        "result",
        "string",
        lambda names: f"{names[0]}.lower()",
        "lower-cases the text",
    ),
    _Task(
        "multiply",
        re.compile(r"\bmultipl|\bproduct of\b|\btimes\b"),
        ("a", "b"),
        "number",
        "product",
        "number",
        lambda names: f"{names[0]} * {names[1]}",
        "multiplies the two numbers",
    ),
    _Task(
        "add",
        re.compile(r"\badd(s|ing)?\b|\bsum\b|\bplus\b|\baddition\b"),
        ("a", "b"),
        "number",
        "sum",
        "number",
        lambda names: f"{names[0]} + {names[1]}",
        "adds the two numbers",
    ),
)


def _properties(schema: Any) -> dict[str, Any]:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return properties if isinstance(properties, dict) else {}


def _identifier(name: str, fallback: str) -> str:
    """A Python name for the input field `name` (its value is read by key, not by name)."""
    cleaned = re.sub(r"\W", "_", name).strip("_").lower()
    if not cleaned or cleaned[0].isdigit() or cleaned in {"run", "tools", "input_dict"}:
        return fallback
    return cleaned


def _inputs(task: _Task, schema: Any) -> tuple[str, ...]:
    """The input field names: the schema's properties of the task's kind, else any, else
    the task's own."""
    properties = _properties(schema)
    wanted = ("string",) if task.kind == "string" else ("number", "integer")
    typed = [n for n, p in properties.items() if isinstance(p, dict) and p.get("type") in wanted]
    names = typed or list(properties)
    if len(names) < len(task.inputs):
        return task.inputs
    return tuple(names[: len(task.inputs)])


def _output(default: str, schema: Any) -> str:
    properties = list(_properties(schema))
    return properties[0] if properties else default


def _slug(description: str) -> str:
    words = re.findall(r"[a-z0-9]+", description.lower())[:NAME_WORDS]
    return "-".join(words)[:63].strip("-") or "agent"


def _docstring(description: str, summary: str, inputs: str, output: str) -> str:
    first = description.strip().splitlines()[0] if description.strip() else "An agent."
    return (
        f"{first}\n\nThis agent {summary}. Input: {inputs}. Output: {output}.\n"
        f"Written by the template generator ({MODEL}), not a language model."
    )


def _known(task: _Task, description: str, spec: dict[str, Any]) -> dict[str, Any]:
    fields = _inputs(task, spec.get("input_schema"))
    output = _output(task.output, spec.get("output_schema"))
    names = tuple(_identifier(f, d) for f, d in zip(fields, task.inputs, strict=True))
    if len(set(names)) != len(names):
        names = task.inputs
    pairs = list(zip(names, fields, strict=True))
    if task.kind == "string":
        reads = [f"    {n} = str(input_dict.get({f!r}, ''))" for n, f in pairs]
        in_schema: dict[str, Any] = {"type": "string"}
    else:
        reads = [f"    {n} = input_dict[{f!r}]" for n, f in pairs]
        in_schema = {"type": "number"}
    inputs_text = json.dumps({f: f"<{task.kind}>" for f in fields})
    output_text = json.dumps({output: f"<{task.output_type}>"})
    doc = _docstring(description, task.summary, inputs_text, output_text)
    code = (
        f'"""{_escape(doc)}\n"""\n\n\n'
        "def run(input_dict, tools):\n"
        + "\n".join(reads)
        + f"\n    return {{{output!r}: {task.expression(names)}}}\n"
    )
    return {
        "code": code,
        "docstring": doc,
        # The request's own schemas when it gave them: they are the caller's contract.
        "input_schema": spec.get("input_schema")
        or {
            "type": "object",
            "properties": {f: dict(in_schema) for f in fields},
            "required": list(fields),
        },
        "output_schema": spec.get("output_schema")
        or {
            "type": "object",
            "properties": {output: {"type": task.output_type}},
            "required": [output],
        },
        "thoughts": (
            f"Template generator ({MODEL}), not a language model: the description matched "
            f"its '{task.key}' template, so the agent {task.summary}."
        ),
    }


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _through_the_model(description: str, spec: dict[str, Any]) -> dict[str, Any]:
    output = _output("answer", spec.get("output_schema"))
    doc = _docstring(
        description,
        "asks the team's model (tools.llm) to do what the description says with its input",
        "any JSON",
        json.dumps({output: "<string>"}),
    )
    code = (
        f'"""{_escape(doc)}\n"""\n\n'
        "import json\n\n"
        f"TASK = {description.strip()!r}\n\n\n"
        "def run(input_dict, tools):\n"
        "    prompt = TASK + '\\n\\nInput (JSON):\\n' + json.dumps(input_dict, sort_keys=True)\n"
        f"    return {{{output!r}: tools.llm(prompt)}}\n"
    )
    return {
        "code": code,
        "docstring": doc,
        "input_schema": spec.get("input_schema") or {"type": "object"},
        "output_schema": spec.get("output_schema")
        or {
            "type": "object",
            "properties": {output: {"type": "string"}},
            "required": [output],
        },
        "thoughts": (
            f"Template generator ({MODEL}), not a language model: the description matched "
            "none of its templates (reverse, count words or characters, upper or lower case, "
            "add or multiply two numbers), so the agent passes the task and its input to the "
            "team's model through tools.llm."
        ),
    }


def render(task: PhaseTask) -> str:
    """The generated agent as the JSON object every composer answers here:
    `{code, friendly_name, docstring, input_schema, output_schema, thoughts}`."""
    if task.phase != PHASE:
        raise ProviderError(
            f"the template generator has no templates here for {task.phase!r}", kind="bad_request"
        )
    description = str(task.spec.get("description") or "")
    lowered = description.lower()
    found = next((t for t in _TASKS if t.pattern.search(lowered)), None)
    answer = (
        _known(found, description, task.spec)
        if found is not None
        else _through_the_model(description, task.spec)
    )
    answer["friendly_name"] = _slug(description)
    return json.dumps(answer)

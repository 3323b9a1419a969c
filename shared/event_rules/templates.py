"""`{{event.data.repository.name}}` placeholders in a trigger action's JSON config, checked
when the trigger is made and filled from the event when it fires.

A small resolver of our own, not a template engine. The only syntax is a path into the
event's JSON: `{{ event.data.failure.kind }}`, `{{ event.payload.commits[0].id }}` (or
`.0`): object keys and array indexes, nothing else. Jinja2's SandboxedEnvironment would
bring expressions, filters, loops and calls that we would then have to keep out (its
sandbox has had escapes: CVE-2024-56326, CVE-2025-27516; `'a' * 10**9` is allowed), a
second package and ~30 ms of import to every function; chevron (mustache) falls back to
`getattr` on the values it looks into (`{{event.data.slug.__class__}}` renders), renders
a missing name as "" where we want an error, escapes HTML, and has had no release since
2021. Neither can say at creation which fields a template reads, which we must (422 for a
field the event type does not have), so the parsing is ours either way.

- Lookups go through `patterns.lookup`: dict keys and list indexes of the event's JSON,
  never an attribute; `{{event.__class__}}` is a field the event does not have.
- `{{ ... }}` whose content does not start with `event` is text, left as written (a
  prompt may talk about Jinja); content that starts with `event` but is not a plain path
  (filters, calls, subscripts with quotes) is refused at creation and at render.
- A value is inserted once: `{{` inside an event's value is never read as a placeholder.
- A string that is one placeholder alone takes the value with its JSON type (a list of
  features stays a list); inside text, strings go in as they are and anything else as
  compact JSON (`null`, `3`, `{"a":1}`).
- A field missing at fire time is an error naming it, never an empty string; the
  rendered config is at most `MAX_RENDERED_BYTES` as JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any, Final

from shared.errors import PayloadTooLarge, Unprocessable
from shared.event_rules.patterns import (
    Missing,
    Segment,
    check_event,
    fields_of,
    lookup,
    sample_lookup,
)

MAX_RENDERED_BYTES: Final = 64 * 1024
MAX_PLACEHOLDERS: Final = 100
ROOT: Final = "event"

_BRACES = re.compile(r"\{\{([^{}]*)\}\}")
_STARTS_AS_OURS = re.compile(rf"{ROOT}(?![A-Za-z0-9_])")
_PATH = re.compile(rf"{ROOT}((?:\.[A-Za-z0-9_-]+|\[\d+\])*)")
_SEGMENT = re.compile(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]")


class RenderError(Unprocessable):
    """A template that cannot be filled from this event (a field it does not have)."""


class _Placeholder:
    __slots__ = ("end", "segments", "start", "text")

    def __init__(self, start: int, end: int, text: str, segments: tuple[Segment, ...]) -> None:
        self.start, self.end, self.text, self.segments = start, end, text, segments


def placeholders(text: str) -> list[_Placeholder]:
    """The placeholders of one string, in order; `RenderError` for `{{event ...}}` that is
    not a plain path (a filter, a call, an expression)."""
    found = []
    for match in _BRACES.finditer(text):
        inner = match.group(1).strip()
        if not _STARTS_AS_OURS.match(inner):
            continue
        path = _PATH.fullmatch(inner)
        if path is None:
            raise RenderError(
                f"{match.group(0)} is not a field of the event: placeholders are paths"
                " such as {{event.data.job_id}} or {{event.payload.commits[0].id}},"
                " without filters, calls or expressions"
            )
        segments = tuple(
            key if key else int(index) for key, index in _SEGMENT.findall(path.group(1))
        )
        found.append(_Placeholder(match.start(), match.end(), match.group(0), segments))
    return found


def _strings(template: Any, field: str) -> Iterator[tuple[str, str]]:
    """Every string of a JSON template with where it is (`action.job.name`, `x.tags[1]`);
    placeholders in keys are refused (a key names a setting, it is not data)."""
    if isinstance(template, str):
        yield field, template
    elif isinstance(template, dict):
        for key, value in template.items():
            if not isinstance(key, str):
                raise Unprocessable(f"{field}: keys must be strings")
            if _BRACES.search(key) and placeholders(key):
                raise Unprocessable(f"{field}: placeholders go in values, not in the key {key!r}")
            yield from _strings(value, f"{field}.{key}")
    elif isinstance(template, list):
        for index, value in enumerate(template):
            yield from _strings(value, f"{field}[{index}]")
    elif template is not None and not isinstance(template, bool | int | float):
        raise Unprocessable(f"{field}: not a JSON value")


def check_template(template: Any, event_type: str | None, field: str = "action") -> None:
    """422 naming the field for a placeholder the event type's events cannot fill.

    `event_type` is a pattern's event (a type, `job.*` or `*`): a field must be in every
    type it names, since any of them may fire the action; None (a schedule) has no event.
    """
    types = check_event(event_type) if event_type is not None else ()
    count = 0
    for where, text in _strings(template, field):
        try:
            found = placeholders(text)
        except RenderError as exc:
            raise Unprocessable(f"{where}: {exc.detail}") from None
        count += len(found)
        if count > MAX_PLACEHOLDERS:
            raise Unprocessable(f"{field}: at most {MAX_PLACEHOLDERS} placeholders")
        for placeholder in found:
            if event_type is None:
                raise Unprocessable(
                    f"{where}: {placeholder.text}: a schedule has no event to read from"
                )
            _check_fields(where, placeholder, types)


def _check_fields(where: str, placeholder: _Placeholder, types: Sequence[str]) -> None:
    for event_type in types:
        try:
            sample_lookup(event_type, placeholder.segments)
        except Missing as exc:
            fields = ", ".join(f"event.{path}" for path in fields_of(event_type))
            raise Unprocessable(
                f"{where}: {placeholder.text}: {event_type} events have no field"
                f" event.{exc.args[0]} (their fields: {fields})"
            ) from None


def render(template: Any, event: dict[str, Any]) -> Any:
    """The template with its placeholders filled from an event's envelope
    (`patterns.envelope`): same shape, new objects. `RenderError` names a missing field;
    `PayloadTooLarge` when the result would pass `MAX_RENDERED_BYTES`."""
    budget = _Budget()
    rendered = _render(template, event, budget, "action")
    size = len(json.dumps(rendered, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_RENDERED_BYTES:
        raise _too_large()
    return rendered


class _Budget:
    """Bytes inserted so far: a template that repeats a large value stops early instead of
    building a huge string first."""

    def __init__(self) -> None:
        self.used = 0

    def spend(self, text: str) -> None:
        self.used += len(text.encode())
        if self.used > MAX_RENDERED_BYTES:
            raise _too_large()


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the rendered action would be over {MAX_RENDERED_BYTES // 1024} KB:"
        " a placeholder brings in too much of the event"
    )


def _render(template: Any, event: dict[str, Any], budget: _Budget, where: str) -> Any:
    if isinstance(template, str):
        return _render_text(template, event, budget, where)
    if isinstance(template, dict):
        return {
            key: _render(value, event, budget, f"{where}.{key}") for key, value in template.items()
        }
    if isinstance(template, list):
        return [
            _render(value, event, budget, f"{where}[{index}]")
            for index, value in enumerate(template)
        ]
    return template


def _render_text(text: str, event: dict[str, Any], budget: _Budget, where: str) -> Any:
    try:
        found = placeholders(text)
    except RenderError as exc:
        raise RenderError(f"{where}: {exc.detail}") from None
    if not found:
        return text
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(text):
        value = _value(found[0], event, where)
        budget.spend(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
        return value
    pieces, cursor = [], 0
    for placeholder in found:
        value = _value(placeholder, event, where)
        inserted = (
            value
            if isinstance(value, str)
            else json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        )
        budget.spend(inserted)
        pieces += [text[cursor : placeholder.start], inserted]
        cursor = placeholder.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _value(placeholder: _Placeholder, event: dict[str, Any], where: str) -> Any:
    try:
        return lookup(event, placeholder.segments)
    except Missing as exc:
        raise RenderError(
            f"{where}: {placeholder.text}: the {event.get('type') or 'event'} event has no"
            f" field event.{exc.args[0]}"
        ) from None

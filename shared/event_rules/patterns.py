"""Event patterns of triggers and notification rules, checked against the catalog.

A pattern is `{event, filters?}`: `event` names one type of the catalog, every type under
a prefix (`job.*`, `job.phase.*`: whole dot segments) or `*`; `filters` maps a dotted
path of the event (`data.source_id`, `payload.ref` for `hook.received`) to a value or a
list of values, any of which matches. No expressions: equality of JSON scalars only.

Storage: a rule's item goes under one partition key, `RULE#<team>#<its event>` (the exact
type, the prefix with its `*`, or `*`); an incoming event of type `t` reads the keys of
`lookup_keys(team, t)`: `t` itself, each prefix of `t` with `*`, and `*`. At most four
Queries for the deepest type, whatever other teams (or this team's other types) hold;
the filters are then tested on the few rules found (`matches`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import Unprocessable
from shared.webhooks import catalog

WILDCARD: Final = "*"
RULE_PREFIX: Final = "RULE"
MAX_FILTERS: Final = 10
MAX_FILTER_VALUES: Final = 50

# Roots whose content is the sender's, unknown when the rule is made: anything under them
# is accepted at creation, and a missing value is only known when an event comes.
OPEN_ROOTS: Final[Mapping[str, str]] = {"hook.received": "payload"}

Scalar = str | int | float | bool | None
Segment = str | int  # a key, or a list index written `[n]`


class EventPattern(BaseModel):
    """The `{event, filters?}` of a trigger's config or a notification rule."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    event: str = Field(min_length=1, max_length=200)
    filters: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)


class Missing(LookupError):
    """A path leads nowhere in an event (or, at creation, in its type's sample)."""


# The event as rules see it.


def envelope(bus_event: Mapping[str, Any], payload: Any = None) -> dict[str, Any]:
    """An EventBridge event (the `bus-events` body) as patterns and templates see it:
    `{id, type, timestamp, data}`, and `payload` (the sender's body) when given."""
    event: dict[str, Any] = {
        "id": bus_event.get("id"),
        "type": bus_event.get("detail-type"),
        "timestamp": bus_event.get("time"),
        "data": bus_event.get("detail") or {},
    }
    if payload is not None:
        event["payload"] = payload
    return event


def sample_envelope(event_type: str) -> dict[str, Any]:
    return {
        "id": "01JF3ZE1F2G3H4J5K6M7N8P9Q0",
        "type": event_type,
        "timestamp": "2026-12-04T09:00:00+00:00",
        "data": catalog.sample(event_type),
    }


# Types a pattern names.


def covered_types(event: str) -> tuple[str, ...]:
    """The catalog's types an `event` of a pattern names (none when it names nothing)."""
    if event == WILDCARD:
        return tuple(known.type for known in catalog.EVENT_TYPES)
    if event.endswith(".*"):
        prefix = event[:-1]
        return tuple(known.type for known in catalog.EVENT_TYPES if known.type.startswith(prefix))
    return (event,) if event in catalog.TYPES else ()


def check_event(event: str) -> tuple[str, ...]:
    """The types `event` names; 422 naming the known ones when it names none."""
    types = covered_types(event)
    if types:
        return types
    known = ", ".join(known.type for known in catalog.EVENT_TYPES)
    if WILDCARD in event and not _is_prefix(event):
        raise Unprocessable(
            f'event "{event}": a wildcard is "*" alone or a whole last segment ("job.*");'
            f" known types: {known}"
        )
    raise Unprocessable(f'unknown event type "{event}"; known types: {known}')


def _is_prefix(event: str) -> bool:
    head = event[:-2]
    return event.endswith(".*") and bool(head) and WILDCARD not in head


# Paths into an event.


def parse_dotted(path: str) -> tuple[str, ...]:
    """`data.failure.kind` → its segments; a segment of digits indexes a list."""
    segments = tuple(path.split("."))
    if not path or any(not segment for segment in segments):
        raise Unprocessable(f'"{path}" is not a dotted path of the event (data.<field>...)')
    return segments


def lookup(value: Any, segments: Sequence[Segment]) -> Any:
    """The value at `segments` in a JSON value: keys of objects and indexes of arrays only
    (never an attribute of a Python object). Missing when the path leads nowhere."""
    for position, segment in enumerate(segments):
        if isinstance(value, dict) and isinstance(segment, str) and segment in value:
            value = value[segment]
        elif isinstance(value, list) and (index := _index(segment)) is not None:
            if index >= len(value):
                raise Missing(_dotted(segments[: position + 1]))
            value = value[index]
        else:
            raise Missing(_dotted(segments[: position + 1]))
    return value


def _index(segment: Segment) -> int | None:
    if isinstance(segment, int):
        return segment
    return int(segment) if segment.isascii() and segment.isdigit() else None


class _Open:
    """The value of a path under an open root at creation: anything may be there."""


OPEN: Final = _Open()


def sample_lookup(event_type: str, segments: Sequence[Segment]) -> Any:
    """The sample's value at `segments` for an event type (`OPEN` under an open root):
    how creation judges a field. A list's first element stands for every index."""
    if segments and segments[0] == OPEN_ROOTS.get(event_type):
        return OPEN
    value: Any = sample_envelope(event_type)
    for position, segment in enumerate(segments):
        try:
            if isinstance(value, list):
                if not value or _index(segment) is None:
                    raise Missing
                value = value[0]
            else:
                value = lookup(value, [segment])
        except Missing:
            raise Missing(_dotted(segments[: position + 1])) from None
    return value


def fields_of(event_type: str) -> list[str]:
    """Every leaf path of the type's sample (what an error lists as its fields)."""
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else key)
        elif isinstance(value, list) and value:
            walk(value[0], f"{path}.0")
        else:
            found.append(path)

    walk(sample_envelope(event_type), "")
    if root := OPEN_ROOTS.get(event_type):
        found.append(f"{root}.<the sender's fields>")
    return found


def _dotted(segments: Sequence[Segment]) -> str:
    return ".".join(str(segment) for segment in segments)


# Creation.


def check_pattern(pattern: EventPattern) -> EventPattern:
    """422 with the reason for an unknown type or a filter no named type can hold."""
    types = check_event(pattern.event)
    if len(pattern.filters) > MAX_FILTERS:
        raise Unprocessable(f"at most {MAX_FILTERS} filters")
    for path, wanted in pattern.filters.items():
        _check_filter(pattern.event, types, path, wanted)
    return pattern


def _check_filter(event: str, types: Sequence[str], path: str, wanted: Any) -> None:
    values = wanted if isinstance(wanted, list) else [wanted]
    if not values:
        raise Unprocessable(f'filter "{path}": give a value or a non-empty list of values')
    if len(values) > MAX_FILTER_VALUES:
        raise Unprocessable(f'filter "{path}": at most {MAX_FILTER_VALUES} values')
    if any(isinstance(value, float) and not math.isfinite(value) for value in values):
        raise Unprocessable(f'filter "{path}": numbers must be finite')
    segments = parse_dotted(path)
    holding = []
    for event_type in types:
        try:
            found = sample_lookup(event_type, segments)
        except Missing:
            continue
        if isinstance(found, dict | list):
            raise Unprocessable(
                f'filter "{path}": {event_type} events hold an object or a list there;'
                " filters compare single values"
            )
        holding.append((event_type, found))
    if not holding:
        fields = ", ".join(fields_of(types[0]))
        raise Unprocessable(
            f'filter "{path}": no field of that path in {event} events'
            f" (the fields of {types[0]}: {fields})"
        )
    for event_type, found in holding:
        kind = _kind(found)
        wrong = [one for one in values if one is not None and kind not in (None, _kind(one))]
        if wrong:
            raise Unprocessable(
                f'filter "{path}": it is a {kind} in {event_type} events, so {wrong[0]!r}'
                " can never match"
            )


def _kind(value: Any) -> str | None:
    """A JSON scalar's type as a word (None: any, for a null or open sample value)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


# Matching.


def matches(pattern: EventPattern, event: Mapping[str, Any]) -> bool:
    """Whether an event (its envelope) is one the pattern names and passes every filter."""
    event_type = event.get("type")
    if not isinstance(event_type, str) or not _names(pattern.event, event_type):
        return False
    for path, wanted in pattern.filters.items():
        try:
            value = lookup(event, parse_dotted(path))
        except Missing:
            return False
        if not any(_same(value, one) for one in (wanted if isinstance(wanted, list) else [wanted])):
            return False
    return True


def _names(event: str, event_type: str) -> bool:
    if event == WILDCARD:
        return True
    if event.endswith(".*"):
        return event_type.startswith(event[:-1])
    return event == event_type


def _same(value: Any, wanted: Scalar) -> bool:
    # JSON equality: true is not 1, "1" is not 1, and 1 is 1.0.
    if isinstance(value, dict | list) or isinstance(value, bool) != isinstance(wanted, bool):
        return False
    return _kind(value) == _kind(wanted) and value == wanted


# Storage keys.


def pattern_key(team_id: str, pattern: EventPattern) -> str:
    """The partition key a rule with this pattern is stored under (filters are not in it:
    they are tested on the rules a lookup finds)."""
    return f"{RULE_PREFIX}#{team_id}#{pattern.event}"


def lookup_keys(team_id: str, event_type: str) -> list[str]:
    """Every key a rule that can match an event of `event_type` is stored under, most
    specific first: the type, each prefix of it with `*`, then `*`."""
    segments = event_type.split(".")
    names = [event_type]
    names += [".".join(segments[:length]) + ".*" for length in range(len(segments) - 1, 0, -1)]
    names.append(WILDCARD)
    return [f"{RULE_PREFIX}#{team_id}#{name}" for name in names]

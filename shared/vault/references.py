"""Secrets used by name: `{{secrets.NAME}}` in a config's text, replaced by the value of the
team's secret NAME at the moment it is used, never stored or answered in its place.

Where a text may hold references, the write that stores it checks that every name exists
(`require_known`: 422 naming the missing ones), and the function that sends it resolves them
(`resolve_references`) just before the value leaves: a notification channel's delivery, the
connector runner's MCP and HTTP calls, a trigger's run_agent prompt. Each of those holds the
vault's read grant (registry `vault_secrets="read"`); nothing else can read a value.

- Syntax: `{{secrets.NAME}}`, spaces allowed inside the braces (`{{ secrets.NAME }}`); NAME
  as shared.vault.domain.NAME_PATTERN. Any other `{{...}}` is left as it is (the triggers'
  `{{event...}}` placeholders are theirs).
- A value is inserted once: a `{{` inside a value is never read as a reference.
- An unknown name (deleted or renamed since the write) is Unprocessable naming it, so the
  caller records a failed send instead of sending the reference's text.
- An expired secret still resolves: its expiry is a reminder (`GET /secrets/expiring`),
  the service it opens decides whether it still works.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.errors import Unprocessable
from shared.vault.domain import NAME_PATTERN, VALUE_PREVIEW

# What looks like a reference: `{{ secrets.<anything but braces and spaces> }}`. A name
# that does not have a name's shape is reported, not left as text: it was meant as one.
_REFERENCE = re.compile(r"\{\{\s*secrets\.([^{}\s]*)\s*\}\}")
_NAME = re.compile(NAME_PATTERN)


def references_in(text: str) -> set[str]:
    """The names `text` refers to (`{{secrets.NAME}}`)."""
    return {match.group(1) for match in _REFERENCE.finditer(text)}


def references_within(value: Any) -> set[str]:
    """The names referred to in every string of `value` (strings, and dicts' values and
    lists' items, however nested)."""
    if isinstance(value, str):
        return references_in(value)
    items = value.values() if isinstance(value, Mapping) else value
    found: set[str] = set()
    if isinstance(value, Mapping | list | tuple):
        for item in items:
            found |= references_within(item)
    return found


def _missing(names: Iterable[str], what: str) -> Unprocessable:
    listed = ", ".join(sorted(names))
    return Unprocessable(f"{what} refers to secrets that do not exist: {listed}")


def require_known(team_id: str, value: Any, *, what: str = "the config") -> set[str]:
    """The names `value` refers to (see `references_within`), every one a secret of the
    team; otherwise Unprocessable naming those that are not. One read for all of them."""
    from shared.vault import store

    names = references_within(value)
    if not names:
        return names
    malformed = {name for name in names if not _NAME.fullmatch(name)}
    unknown = malformed | (names - malformed - store.names_taken(team_id, names - malformed))
    if unknown:
        raise _missing(unknown, what)
    return names


@dataclass
class Resolution:
    """A text with its references replaced, and the values put in (to redact them from
    what comes back: a model may repeat its prompt)."""

    text: str
    values: list[str] = field(default_factory=list)

    def redact(self, answer: str) -> str:
        return redact(answer, self.values)


def resolve(team_id: str, text: str, *, only: set[str] | None = None) -> Resolution:
    """`text` with each `{{secrets.NAME}}` replaced by the team's secret's current value
    (Unprocessable naming a name the team has no secret for). `only`: the names that may
    be resolved (those the stored config wrote); any other reference stays text, so one
    that came in with an event's data never reaches a value."""
    if "{{" not in text:
        return Resolution(text)
    names = references_in(text)
    if only is not None:
        names &= only
    if not names:
        return Resolution(text)
    found = {name: value_of(team_id, name) for name in sorted(names)}

    def put_in(match: re.Match[str]) -> str:
        return found.get(match.group(1), match.group(0))

    resolved = _REFERENCE.sub(put_in, text)
    return Resolution(resolved, sorted(set(found.values()), key=len, reverse=True))


def resolve_references(team_id: str, text: str) -> str:
    """`text` with its references replaced (see `resolve`)."""
    return resolve(team_id, text).text


def value_of(team_id: str, name: str) -> str:
    """The current value of the team's secret `name` (Unprocessable naming it when the team
    has none): for a setting that names one secret rather than a text holding references."""
    from shared.vault import store, values

    secret = store.secret_by_name(team_id, name) if _NAME.fullmatch(name) else None
    if secret is None:
        raise _missing([name], "the config")
    return values.read(team_id, secret.id, secret.secret_version)


def redact_within(value: Any, values: Iterable[str]) -> Any:
    """`value` (JSON: strings, lists, objects) with `redact` applied to every string in it,
    object keys included."""
    used = [v for v in values if v]
    if not used:
        return value
    if isinstance(value, str):
        return redact(value, used)
    if isinstance(value, Mapping):
        return {redact(str(k), used): redact_within(v, used) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_within(item, used) for item in value]
    return value


def redact(text: str, values: Iterable[str]) -> str:
    """`text` with every occurrence of each value masked (longest first, so a value that
    contains another is masked whole)."""
    for value in sorted({v for v in values if v}, key=len, reverse=True):
        text = text.replace(value, VALUE_PREVIEW)
    return text

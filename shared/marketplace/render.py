"""Install parameters checked against what a template declares, and a template's strings
filled in: `${param.NAME}` with the value, `${agent.KEY}` / `${workflow.KEY}` with the id of
the object the install made for that key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from shared.errors import Unprocessable
from shared.marketplace.domain import REFERENCE, Template

# A value filling a whole string that is left out: the key holding it (a filter, a field)
# is dropped, as if the template had not named it.
_OMIT: Final = object()


def resolve_parameters(template: Template, given: Mapping[str, str]) -> dict[str, str]:
    """The parameters the install uses: those given, checked, and the defaults of the rest
    (an optional one without a default stays out). 422 names the parameter and why."""
    declared = {parameter.name: parameter for parameter in template.parameters}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        names = ", ".join(declared) or "none"
        raise Unprocessable(
            f"template {template.id} has no parameter {', '.join(unknown)} (it takes: {names})"
        )
    resolved: dict[str, str] = {}
    for name, parameter in declared.items():
        value = given.get(name, parameter.default)
        if value is None:
            if parameter.required:
                raise Unprocessable(
                    f"parameter {name} is required: {parameter.description}"
                    + (f" (for example {parameter.example!r})" if parameter.example else "")
                )
            continue
        if not re.fullmatch(parameter.pattern, value):
            raise Unprocessable(
                f"parameter {name} does not fit {parameter.pattern}: {parameter.description}"
            )
        resolved[name] = value
    return resolved


def render(value: Any, parameters: Mapping[str, str], ids: Mapping[str, Mapping[str, str]]) -> Any:
    """`value` (a template's JSON) with every reference filled in. `ids` maps "agent" and
    "workflow" to the ids made by key; each reference must be there (the caller makes
    agents and workflows before what names them)."""
    rendered = _render(value, parameters, ids)
    return None if rendered is _OMIT else rendered


def _lookup(match: re.Match[str], parameters: Mapping[str, str], ids: Any) -> str | None:
    kind, name = match.group(1), match.group(2)
    if kind == "param":
        return parameters.get(name)
    return ids[kind][name]  # KeyError: a reference made before its object, a bug of ours


def _render(value: Any, parameters: Mapping[str, str], ids: Any) -> Any:
    if isinstance(value, str):
        whole = REFERENCE.fullmatch(value)
        if whole is not None:
            found = _lookup(whole, parameters, ids)
            return _OMIT if found is None else found
        # Catalog loading refused an optional parameter without a default inside a longer
        # string, so every lookup here finds a value.
        return REFERENCE.sub(lambda match: str(_lookup(match, parameters, ids)), value)
    if isinstance(value, Mapping):
        pairs = ((key, _render(item, parameters, ids)) for key, item in value.items())
        return {key: item for key, item in pairs if item is not _OMIT}
    if isinstance(value, list | tuple):
        items = (_render(item, parameters, ids) for item in value)
        return [item for item in items if item is not _OMIT]
    return value

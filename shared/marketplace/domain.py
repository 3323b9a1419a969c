"""What a template is (read from the JSON files of shared/marketplace/templates) and what
installing one recorded.

A template's strings may hold references, filled in at install: `${param.NAME}` (an
install parameter it declares), `${agent.KEY}` and `${workflow.KEY}` (the id of one of the
agents or workflows the same install creates). They are not the triggers' `{{event...}}`
placeholders, which stay in a trigger's action for its fires to fill.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

REFERENCE: Final = re.compile(r"\$\{(param|agent|workflow)\.([a-z][a-z0-9_]*)\}")
KEY_PATTERN: Final = r"^[a-z][a-z0-9_]*$"
TEMPLATE_ID_PATTERN: Final = r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$"
Category = Literal["security", "devops", "costs", "release", "operations"]
CATEGORIES: Final[tuple[str, ...]] = ("security", "devops", "costs", "release", "operations")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSpec(_Spec):
    """An install parameter: a string, required or with a default (or optional: a filter
    or field holding only it is left out when it is not given)."""

    name: str = Field(pattern=KEY_PATTERN)
    description: str
    required: bool = False
    default: str | None = None
    # The value's rule (Python `re.fullmatch`); every value is at most 200 characters.
    pattern: str = r"^[^\x00-\x1f]{1,200}$"
    example: str | None = None
    # The id of one of the team's inbound webhook sources with this scheme.
    hook_source_scheme: str | None = None

    @property
    def omissible(self) -> bool:
        """Whether the install may go without a value (optional, no default)."""
        return not self.required and self.default is None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.required and self.default is not None:
            raise ValueError(f"parameter {self.name}: required with a default")
        for value in (self.default, self.example):
            if value is not None and not re.fullmatch(self.pattern, value):
                raise ValueError(f"parameter {self.name}: {value!r} breaks its own pattern")
        return self


class AgentSpec(_Spec):
    """An agent the install creates (`POST /agents`'s fields; it answers through the
    built-in template provider until the team points it at a provider of its own)."""

    key: str = Field(pattern=KEY_PATTERN)
    name: str
    role: str
    description: str = ""
    system_prompt: str = ""
    enabled_tools: tuple[str, ...] = ()


class WorkflowSpec(_Spec):
    """A workflow the install creates, with its steps (each `POST /workflows/{id}/steps`'s
    body; `depends_on` names other steps of it by name)."""

    key: str = Field(pattern=KEY_PATTERN)
    name: str
    description: str = ""
    steps: tuple[dict[str, Any], ...] = ()


class TriggerSpec(_Spec):
    """A trigger the install creates (`POST /triggers`'s fields)."""

    key: str = Field(pattern=KEY_PATTERN)
    name: str
    type: Literal["schedule", "event"]
    config: dict[str, Any]
    action: dict[str, Any]
    overlap: Literal["skip", "allow", "queue"] = "skip"
    enabled: bool = True


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


class Template(_Spec):
    id: str = Field(pattern=TEMPLATE_ID_PATTERN)
    name: str
    category: Category
    summary: str
    description: str
    tags: tuple[str, ...] = ()
    parameters: tuple[ParameterSpec, ...] = ()
    agents: tuple[AgentSpec, ...] = ()
    workflows: tuple[WorkflowSpec, ...] = ()
    triggers: tuple[TriggerSpec, ...] = ()

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        """Every reference names something the template declares; a string that holds an
        optional parameter without a default holds nothing else (it is left out whole)."""
        params = {parameter.name: parameter for parameter in self.parameters}
        agents = {agent.key for agent in self.agents}
        workflows = {workflow.key for workflow in self.workflows}
        if (len(params), len(agents), len(workflows)) != (
            len(self.parameters),
            len(self.agents),
            len(self.workflows),
        ):
            raise ValueError(
                f"template {self.id}: two parameters, agents or workflows share a name"
            )
        declared: dict[str, set[str]] = {
            "param": set(params),
            "agent": agents,
            "workflow": workflows,
        }
        body = self.model_dump(include={"agents", "workflows", "triggers"})
        for text in _strings(body):
            for match in REFERENCE.finditer(text):
                kind, name = match.groups()
                if name not in declared[kind]:
                    raise ValueError(f"template {self.id}: {match.group()} names nothing")
                parameter = params.get(name) if kind == "param" else None
                omitted = parameter is not None and parameter.omissible
                if omitted and match.group() != text:
                    raise ValueError(
                        f"template {self.id}: optional {match.group()} is part of {text!r}"
                    )
        return self

    def matches(self, search: str) -> bool:
        """Whether `search` (case-insensitive) is in its name, summary, description, tags
        or category."""
        needle = search.casefold()
        haystack = (self.name, self.summary, self.description, self.category, *self.tags)
        return any(needle in text.casefold() for text in haystack)


InstallStatus = Literal["installing", "installed"]
ObjectKind = Literal["agents", "workflows", "triggers"]
OBJECT_KINDS: Final[tuple[ObjectKind, ...]] = ("agents", "workflows", "triggers")


@dataclass(frozen=True, slots=True)
class Install:
    """A team's install of a template: the parameters it was asked with and, by kind, the
    id of each object made so far under its key in the template. While `installing`, the
    request holding the lease (`lease_until`) makes the rest; a request that finds the lease
    lapsed (its holder failed or was cut off) resumes from what is recorded."""

    team_id: str
    template_id: str
    status: InstallStatus
    parameters: dict[str, str]
    created: dict[str, dict[str, str]] = field(default_factory=dict)
    installed_by: str | None = None
    lease_until: datetime | None = None
    installed_at: datetime | None = None
    created_at: datetime | None = None
    version: int | None = field(default=None, compare=False)

    def made(self, kind: ObjectKind, key: str) -> str | None:
        return self.created.get(kind, {}).get(key)

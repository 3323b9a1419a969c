"""The shapes agents and their memories take in (``...Create``, ``...Update``) and give back
(``...Public``, stats, config entries). Inputs refuse unknown fields.

Names follow API.md and the seeds: ``role`` is the pipeline phase an agent serves or a free
role; memories have a ``category`` (seed 003 lists them by ``category``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
    model_validator,
)

from shared.agents.code_schemas import CodeForm
from shared.llm.provider_names import ProviderName
from shared.numbers import JsonInt
from shared.pipeline.definition import PHASE_NAMES
from shared.request_fields import omittable, refuse_nulls, trimmed

# Whether an agent may serve phases: `idle` may, `stopped` may not (a phase it is set for
# fails, saying to start it or choose another). There is no `busy`: one agent serves any
# number of jobs at once, and a flag set and cleared around each phase would be wrong
# whenever two overlap or a worker is cut off before clearing it; which phase is running,
# and which agent serves it, is on the job (`current_phase`, each phase's `agent`).
AgentStatus = Literal["idle", "stopped"]
IDLE: AgentStatus = "idle"
STOPPED: AgentStatus = "stopped"
# What earlier versions stored for a stopped agent, still read as STOPPED.
LEGACY_STOPPED = "offline"


def stored_status(value: str) -> AgentStatus:
    """An agent's status as stored, in today's words: `offline` (earlier versions' name
    for stopped) is STOPPED; anything else not stopped is IDLE."""
    return STOPPED if value in (STOPPED, LEGACY_STOPPED) else IDLE


MemoryCategory = Literal["fact", "preference", "instruction", "lesson", "note"]
MEMORY_CATEGORIES: tuple[MemoryCategory, ...] = (
    "fact",
    "preference",
    "instruction",
    "lesson",
    "note",
)

MAX_SYSTEM_PROMPT = 20_000
MAX_TOOLS = 50
MAX_MEMORY_CHARS = 10_000

AgentName = Annotated[str, trimmed(100)]
Role = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[\w][\w .-]*$"
    ),
]
ModelId = Annotated[str, trimmed(200)]
Description = Annotated[str, StringConstraints(max_length=2_000)]
SystemPrompt = Annotated[str, StringConstraints(max_length=MAX_SYSTEM_PROMPT)]
Tool = Annotated[str, trimmed(100)]
Tools = Annotated[list[Tool], Field(max_length=MAX_TOOLS)]
Tag = Annotated[str, trimmed(50)]
KnowledgeCategory = Annotated[str, trimmed(100)]
WorkerId = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# The phase form's fields (the code form's are shared.agents.code_schemas.CODE_FIELDS).
PHASE_FIELDS = (
    "name",
    "description",
    "role",
    "llm_provider",
    "llm_model",
    "system_prompt",
    "enabled_tools",
    "knowledge_category",
    "worker_id",
)
# Phase fields a PUT may send as null (to clear them).
NULLABLE_PHASE_FIELDS = ("knowledge_category", "worker_id")
# A code agent's role when it names none.
CODE_ROLE = "code"


class AgentCreate(CodeForm):
    """POST /agents: a phase agent (`role` and `llm_model`), or a code agent (`code`, seed
    002's CreateAgentRequest), or both. A code agent naming no role serves the role `code`;
    naming no model, its provider's default model."""

    model_config = ConfigDict(
        extra="forbid",
        defer_build=True,
        json_schema_extra={
            "anyOf": [
                {"required": ["code"], "properties": {"code": {"type": "string"}}},
                {"required": ["role", "llm_model"]},
            ]
        },
    )

    name: AgentName
    description: Description = ""
    role: Role = omittable(
        description="the pipeline phase the agent serves, or a free role (required without "
        "code; a code agent's default is `code`)"
    )
    llm_provider: ProviderName | None = Field(
        default=None,
        description="a provider name of the team; left out: the team's default_provider setting",
    )
    llm_model: ModelId = omittable(
        description="required without code; a code agent's default is its provider's default"
    )
    system_prompt: SystemPrompt = ""
    enabled_tools: Tools = Field(default_factory=list)
    knowledge_category: KnowledgeCategory | None = Field(
        default=None,
        description="a knowledge base category (GET /knowledge?category=): its entries "
        "that best match each prompt are added to the system prompt, size-capped",
    )
    worker_id: WorkerId | None = Field(
        default=None,
        description="the worker (POST /workers/register) the agent runs on: its tasks wait "
        "for that worker to pull them; left out, they run in the cloud",
    )

    @model_validator(mode="after")
    def _tools_once(self) -> Self:
        self.enabled_tools = _unique(self.enabled_tools)
        return self

    @model_validator(mode="after")
    def _a_form(self) -> Self:
        if self.code is None:
            missing = [n for n in ("role", "llm_model") if getattr(self, n) is None]
            if missing:
                raise ValueError(f"{' and '.join(missing)} required for an agent without code")
        if self.role is None:
            self.role = CODE_ROLE
        if self.llm_model is None:
            self.llm_model = ""
        return self

    def phase_fields(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in PHASE_FIELDS}


class AgentReplace(CodeForm):
    """PUT /agents/{id}. With `role` (the phase form, as before): the phase fields are
    replaced, those left out taking their defaults. Without it (seed 002's
    UpdateAgentRequest): only the fields given change. Either way the code form's fields
    merge (those left out are kept, a null clears one) and the creation metadata stays."""

    model_config = ConfigDict(
        extra="forbid",
        defer_build=True,
        json_schema_extra={
            "anyOf": [
                {"not": {"required": ["role"]}},
                {"required": ["name", "role", "llm_model"]},
            ]
        },
    )

    name: AgentName = omittable()
    description: Description = omittable()
    role: Role = omittable(description="given: the phase fields are replaced as a whole")
    llm_provider: ProviderName = omittable()
    llm_model: ModelId = omittable()
    system_prompt: SystemPrompt = omittable()
    enabled_tools: Tools = omittable()
    knowledge_category: KnowledgeCategory | None = None
    worker_id: WorkerId | None = None

    @model_validator(mode="before")
    @classmethod
    def _phase_fields_not_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            refuse_nulls(
                {
                    k: v
                    for k, v in data.items()
                    if k in PHASE_FIELDS and k not in NULLABLE_PHASE_FIELDS
                }
            )
        return data

    @model_validator(mode="after")
    def _replace_is_whole(self) -> Self:
        if self.role is not None:
            missing = [n for n in ("name", "llm_model") if getattr(self, n) is None]
            if missing:
                raise ValueError(f"{' and '.join(missing)} required with role (a replacement)")
        if self.enabled_tools is not None:
            self.enabled_tools = _unique(self.enabled_tools)
        return self

    @property
    def replaces(self) -> bool:
        return self.role is not None

    def replacement(self) -> AgentCreate:
        """The phase form as a replacement (fields left out take their defaults)."""
        given = {n: getattr(self, n) for n in PHASE_FIELDS if n in self.model_fields_set}
        return AgentCreate.model_validate(given)

    def merged(self) -> dict[str, object]:
        """The phase fields given, by name."""
        return {n: getattr(self, n) for n in PHASE_FIELDS if n in self.model_fields_set}


class AgentUpdate(BaseModel):
    """PATCH /agents/{id}: only the fields given change; none of them may be null."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: AgentName = omittable()
    description: Description = omittable()
    role: Role = omittable()
    llm_provider: ProviderName = omittable()
    llm_model: ModelId = omittable()
    system_prompt: SystemPrompt = omittable()
    enabled_tools: Tools = omittable()
    knowledge_category: KnowledgeCategory = omittable()

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        return refuse_nulls(data)

    @model_validator(mode="after")
    def _tools_once(self) -> Self:
        if "enabled_tools" in self.model_fields_set:
            self.enabled_tools = _unique(self.enabled_tools)
        return self

    def changes(self) -> dict[str, object]:
        """The fields the caller gave, by name."""
        return {name: getattr(self, name) for name in self.model_fields_set}


def _when_set(**options: Any) -> Any:
    """A field left out of answers while it is None."""
    return Field(default=None, exclude_if=lambda value: value is None, **options)


class AgentPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    description: str
    role: str
    llm_provider: str
    llm_model: str
    system_prompt: str
    enabled_tools: list[str]
    status: AgentStatus
    worker_id: str | None = None
    created_at: datetime
    updated_at: datetime
    knowledge_category: str | None = _when_set(
        description="the knowledge base category whose entries its prompts get as context"
    )
    # Creation metadata and the code form, answered only when set: a phase agent answers
    # as before.
    created_by: str | None = _when_set(description="who created it (older agents: none)")
    code: str | None = _when_set()
    friendly_name: str | None = _when_set()
    tools: list[dict[str, Any]] | None = _when_set()
    input_schema: dict[str, Any] | None = _when_set()
    output_schema: dict[str, Any] | None = _when_set()
    invokable_models: list[dict[str, Any]] | None = _when_set()
    docstring: str | None = _when_set()
    composer_thoughts: str | None = _when_set()
    composer_model_config: dict[str, Any] | None = _when_set()

    @field_serializer("tools")
    def _without_tokens(self, tools: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        """An MCP tool's auth_token is a credential: answers say only that it is set (give
        it again when replacing the tools)."""
        if tools is None:
            return None
        return [
            {k: v for k, v in tool.items() if k != "auth_token"}
            | ({"has_auth_token": True} if tool.get("auth_token") else {})
            for tool in tools
        ]


class Agent(AgentPublic):
    """The domain object services answer; a route answering ``AgentPublic`` drops the rest."""

    team_id: str
    # The friendly name it is deployed under (shared.deployments), if it is.
    deployed_as: str | None = None

    def summary(self) -> Agent:
        """The agent without its code, tools, schemas and composer thoughts: a list of 100
        code agents would otherwise pass Lambda's 6 MB answer."""
        return self.model_copy(
            update={
                "code": None,
                "tools": None,
                "input_schema": None,
                "output_schema": None,
                "composer_thoughts": None,
            }
        )


class AgentConfigUpdate(BaseModel):
    """POST /agents/config/{agent_id}: the phase the agent will serve by default."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    phase: str = Field(
        description="a phase of the generation pipeline",
        json_schema_extra={"enum": list(PHASE_NAMES)},
    )
    model: ModelId | None = Field(default=None, description="overrides the agent's model")


class AgentConfigEntry(BaseModel):
    """One phase of GET /agents/config. The agent fields are None when no agent is set for
    the phase, or the one set was deleted since (the pipeline then falls back)."""

    model_config = ConfigDict(defer_build=True)

    phase: str
    title: str
    agent_id: str | None = None
    agent_name: str | None = None
    agent_status: AgentStatus | None = None
    llm_provider: str | None = None
    # The phase's override when set, else the agent's own model.
    llm_model: str | None = None
    model_override: str | None = None
    system_prompt: str | None = None
    updated_at: datetime | None = None


class MemoryCreate(BaseModel):
    """POST /agents/{id}/memories."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    content: str = Field(min_length=1, max_length=MAX_MEMORY_CHARS)
    category: MemoryCategory = "note"
    importance: JsonInt = Field(default=3, ge=1, le=5, description="1 (trivia) to 5 (essential)")
    tags: list[Tag] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _tags_once(self) -> Self:
        self.tags = _unique(self.tags)
        return self


class MemoryUpdate(MemoryCreate):
    """PUT /agents/memories/{id}: replaces the memory; a field left out takes its default."""


class MemoryPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    # "<agent id>.<memory id>": the route /agents/memories/{id} names no agent, and the
    # memory's key needs it (see shared.agents.memories).
    id: str
    agent_id: str
    content: str
    category: MemoryCategory
    importance: int
    tags: list[str]
    created_at: datetime
    updated_at: datetime


class MemoryStats(BaseModel):
    model_config = ConfigDict(defer_build=True)

    agent_id: str
    count: int
    total_characters: int
    by_category: dict[str, int]
    last_added_at: datetime | None = None

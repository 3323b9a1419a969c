"""The shapes of the code agents' own routes: POST /agents/generate-code (seed 002's
GenerateCodeRequest and its answer) and deployments (deploy, the deployment, the list)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from shared.agents.code_schemas import ComposerConfig, FriendlyName, JsonSchema, Models, Tools
from shared.numbers import JSON_NUMBER
from shared.request_fields import trimmed

MAX_DESCRIPTION_CHARS = 8_000
MAX_SPECS = 5
MAX_QUOTA = 100_000_000
# A deployment's price per AI Market call, in dollars to the cent (as payments' Cents, 0 too).
Price = Annotated[float, Field(ge=0, le=10_000, multiple_of=0.01, allow_inf_nan=False), JSON_NUMBER]
# The shared limiter keeps one sliding-log item per deployment (between L and 2L stamps)
# that each call reads and rewrites: at 600 a minute that item stays near 13 KB, a few
# write units a call; 6,000 would make it ~130 KB and throttle the partition first.
MAX_RATE_PER_MINUTE = 600


class GenerateCodeRequest(BaseModel):
    """Seed 002's GenerateCodeRequest; each field also in snake_case."""

    model_config = ConfigDict(extra="forbid")

    description: Annotated[str, trimmed(MAX_DESCRIPTION_CHARS)] = Field(
        description="what the agent should do"
    )
    tools: Tools = Field(default_factory=list, description="the tools its code may call")
    input_schema: JsonSchema | None = Field(
        default=None,
        validation_alias=AliasChoices("inputSchema", "input_schema"),
        description="the JSON Schema of its input (`input_schema` too)",
    )
    output_schema: JsonSchema | None = Field(
        default=None,
        validation_alias=AliasChoices("outputSchema", "output_schema"),
        description="the JSON Schema of its output (`output_schema` too)",
    )
    composer: ComposerConfig | None = Field(
        default=None,
        validation_alias=AliasChoices("modelConfig", "model_config"),
        description="the model that writes the code (`model_config` too); none: the team's "
        "default provider, else the built-in template generator",
    )
    swagger_specs: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=MAX_SPECS,
        validation_alias=AliasChoices("swaggerSpecs", "swagger_specs"),
        description="OpenAPI documents of APIs it may use, shown to the model "
        "(`swagger_specs` too; POST /specs/fetch gives their operations as http tools)",
    )
    invokable_models: Models = Field(
        default_factory=list,
        validation_alias=AliasChoices("invokableModels", "invokable_models"),
        description="models its code may ask through tools.llm (`invokable_models` too)",
    )


class GenerateCodeResponse(BaseModel):
    """The code and its metadata (ready for POST /agents), and who wrote it at what cost."""

    code: str
    friendly_name: str | None
    docstring: str | None
    input_schema: dict[str, Any] | None
    output_schema: dict[str, Any] | None
    tools: list[dict[str, Any]]
    invokable_models: list[dict[str, Any]]
    thoughts: str | None
    provider: str
    model: str
    tokens: int | None = Field(description="null when the provider counted none")
    cost_usd: float


class DeployRequest(BaseModel):
    """POST /agents/{agent_id}/deploy."""

    model_config = ConfigDict(extra="forbid")

    friendly_name: FriendlyName | None = Field(
        default=None,
        validation_alias=AliasChoices("friendly_name", "friendlyName"),
        description="its name in /rest/<name>, unique across the service (409 when taken); "
        "none: the agent's friendly_name, else its name in lower case with hyphens",
    )
    public: bool = Field(
        default=False, description="true: anyone may call it; false: only with its key"
    )
    monthly_quota: Annotated[int, Field(ge=1, le=MAX_QUOTA), JSON_NUMBER] | None = Field(
        default=10_000, description="calls a calendar month (UTC); null: no quota"
    )
    rate_limit_per_minute: Annotated[int, Field(ge=1, le=MAX_RATE_PER_MINUTE), JSON_NUMBER] = 60
    price_usd: Price = Field(
        default=0,
        description="what a call costs through the AI Market (a public deployment is listed "
        "there as a capability); 0: free. Calls of /rest/<name> are not charged",
    )


class DeploymentChange(BaseModel):
    """PATCH /agents/{agent_id}/deployment."""

    model_config = ConfigDict(extra="forbid")

    price_usd: Price = Field(description="what a call costs through the AI Market; 0: free")


class DeploymentPublic(BaseModel):
    friendly_name: str
    agent_id: str
    url: str = Field(description="POST the agent's input here")
    openapi_url: str = Field(description="the deployment's OpenAPI document")
    public: bool
    monthly_quota: int | None
    rate_limit_per_minute: int
    key_prefix: str | None = Field(description="the key's first characters (null: public)")
    created_at: datetime
    created_by: str | None
    price_usd: float = Field(description="a call's price through the AI Market (0: free)")


class DeploymentWithUsage(DeploymentPublic):
    calls_this_month: int = Field(description="calls counted this calendar month (UTC)")


class DeploymentCreated(DeploymentPublic):
    api_key: str | None = Field(
        description="the key, shown this once (null: public): send it as X-API-Key"
    )

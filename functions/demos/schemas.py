"""Request and response shapes of /demos (seed 002's names: `userPrompt`, `selectedApis`,
`modelConfig`, `builtInTools`, `generatedCode`, `composerThoughts`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from shared.demos.domain import MAX_APIS, MAX_CODE_BYTES
from shared.llm.provider_names import ProviderName
from shared.numbers import JSON_NUMBER
from shared.request_fields import trimmed

# A deployment's friendly name as it appears in `/rest/<name>`: URL-path safe, so it can
# be written into a page's URL and its content security policy as it is.
FRIENDLY_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$"
ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
MAX_PROMPT_CHARS = 8_000
MAX_THOUGHTS_CHARS = 16_000

FriendlyName = Annotated[str, StringConstraints(pattern=FRIENDLY_NAME_PATTERN)]


def _distinct(names: list[str]) -> list[str]:
    if len(set(names)) != len(names):
        raise ValueError("each API may be selected once")
    return names


SelectedApis = Annotated[
    list[FriendlyName],
    AfterValidator(_distinct),
    Field(
        min_length=1,
        max_length=MAX_APIS,
        json_schema_extra={"uniqueItems": True},
        description="friendly names of the team's deployed APIs (GET /deployments) the page "
        "may call: its content security policy names exactly these",
    ),
]
Prompt = Annotated[str, StringConstraints(max_length=MAX_PROMPT_CHARS)]
# One part of the code; what the three hold together is capped in bytes (413 beyond).
CodePart = Annotated[str, StringConstraints(max_length=MAX_CODE_BYTES)]


class ComposerParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    temperature: Annotated[float, Field(ge=0, le=2), JSON_NUMBER] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=16_384), JSON_NUMBER] | None = None


class ModelConfigIn(BaseModel):
    """Seed 002's ProviderConfig: the composer's provider (GET /providers; `templates` is
    the built-in template generator) and model (none: the provider's default)."""

    model_config = ConfigDict(extra="forbid")

    provider: ProviderName
    model: Annotated[str, trimmed(200)] | None = None
    parameters: ComposerParameters | None = None


class ModelConfigOut(BaseModel):
    provider: str
    model: str
    parameters: dict[str, float | int]


class GenerateDemoCodeRequest(BaseModel):
    """Seed 002's GenerateDemoCodeRequest."""

    model_config = ConfigDict(extra="forbid")

    userPrompt: Annotated[str, trimmed(MAX_PROMPT_CHARS)]
    selectedApis: SelectedApis
    modelConfig: ModelConfigIn | None = Field(
        default=None,
        description="none: the team's default provider, else the built-in template generator",
    )
    builtInTools: list[Annotated[str, StringConstraints(max_length=100)]] = Field(
        default_factory=list,
        max_length=0,
        description="seed 002's provider-side tools (web search and the like): none is "
        "offered through the router, so the list must be empty",
    )


class GeneratedCodeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    html: CodePart = ""
    css: CodePart = ""
    js: CodePart = ""


class GenerateDemoCodeResponse(BaseModel):
    """Seed 002's GenerateDemoCodeResponse, with who answered and what it cost."""

    html: str
    css: str
    js: str
    thoughts: str | None
    provider: str
    model: str
    tokens: int | None = Field(description="null when the provider counted none")
    cost_usd: float


class CreateDemoAppRequest(BaseModel):
    """Seed 002's CreateDemoAppRequest; PUT replaces a demo with the same shape."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, trimmed(200)]
    description: Annotated[str, StringConstraints(max_length=2_000)] = ""
    selectedApis: SelectedApis
    modelConfig: ModelConfigIn | None = None
    userPrompt: Prompt = ""
    generatedCode: GeneratedCodeBody = Field(
        description=f"html (the body's content), css and js: at most {MAX_CODE_BYTES} bytes "
        "together in UTF-8, else 413"
    )
    composerThoughts: Annotated[str, StringConstraints(max_length=MAX_THOUGHTS_CHARS)] | None = None


class GeneratedCodeOut(BaseModel):
    html: str
    css: str
    js: str


class DemoAppSummary(BaseModel):
    id: str
    name: str
    description: str
    selectedApis: list[str]
    page_url: str = Field(description="a presigned GET of the page (expires_in seconds)")
    expires_in: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class DemoAppPublic(DemoAppSummary):
    """Seed 002's DemoApp, with its page's URL."""

    modelConfig: ModelConfigOut | None
    userPrompt: str
    generatedCode: GeneratedCodeOut
    composerThoughts: str | None
    api_urls: list[str] = Field(description="what the page may call (its connect-src)")

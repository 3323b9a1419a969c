"""Request and response shapes of a team's providers.

Requests forbid unknown fields and keep submitted values out of their error text
(`hide_input_in_errors`): a rejected body may hold an API key. The key is write-only: it
comes in as `SecretStr` and goes out only as `{configured, hint}`.

Rules that join fields (a Bedrock provider takes no key, an OpenAI one needs a default
model) are the service's, checked on the provider as it would be after the change; they
answer 422 too.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    StringConstraints,
    field_validator,
)

from shared.llm.providers.templates import canonical_kind
from shared.request_fields import omittable

# "templates" is the built-in template generator (not a model); its older name "offline"
# is still accepted and read as "templates", so stored providers and requests keep working.
ProviderKind = Annotated[
    Literal["openai", "anthropic", "bedrock", "templates"], BeforeValidator(canonical_kind)
]
KIND_DESCRIPTION = (
    "templates: the built-in template generator, not a model (offline, its older name, is "
    "accepted too)"
)
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
KEY_MAX_CHARS = 4096

ProviderName = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
# "" (or null in an update) means the vendor's own API.
BaseUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048)]
ModelId = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[A-Za-z0-9._:/@+=-]*$")
]


# Printable ASCII without spaces (the key ends up in an HTTP header), with the blanks a
# paste may add around it, which are dropped. The document states this very pattern, and
# the check below is Python's `re` on it, so the two cannot disagree on what a blank is.
KEY_PATTERN = r"^\s*[!-~]+\s*$"
_KEY = re.compile(KEY_PATTERN)


def _clean_key(key: SecretStr) -> SecretStr:
    # Checked here rather than by constraints on the field: a constraint's error would
    # quote the value.
    text = key.get_secret_value()
    if not 1 <= len(text) <= KEY_MAX_CHARS:
        raise ValueError(f"api_key must be 1 to {KEY_MAX_CHARS} characters")
    if not _KEY.fullmatch(text):
        raise ValueError("api_key must be printable ASCII without spaces")
    return SecretStr(text.strip())


ApiKey = Annotated[
    SecretStr,
    AfterValidator(_clean_key),
    Field(json_schema_extra={"minLength": 1, "maxLength": KEY_MAX_CHARS, "pattern": KEY_PATTERN}),
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True, hide_input_in_errors=True)


class _Answer(BaseModel):
    model_config = ConfigDict(defer_build=True)


# A base_url other than the vendor's own ("" ): http or https with a host name or IPv4
# address (an IPv6 endpoint goes by its name, as webhooks' do: a pattern cannot tell a
# well-formed IPv6 literal from a malformed one), no credentials, no query or fragment
# (shared.url_policy; deployed, also https at a public address, which only a lookup can
# tell).
URL_PATTERN = (
    r"^\s*[hH][tT][tT][pP][sS]?://[A-Za-z0-9.-]+"
    r"(?::(?:[0-9]{0,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
    r"(?:/[!-\"$->@-~]*)?\s*$"
)
_KEYLESS = ["bedrock", "templates"]


def _rules_joining_fields(schema: dict[str, Any]) -> None:
    """The rules of shared.llm.registry.service._checked, in the document: what each kind
    takes (a model-serving kind needs a default_model; bedrock and the template generator
    take no base_url and no api_key; the template generator's model is its own)."""
    no_url = {"type": "string", "pattern": r"^\s*$"}
    schema["allOf"] = [
        {
            "if": {"properties": {"kind": {"enum": ["openai", "anthropic"]}}},
            "then": {
                "required": ["default_model"],
                "properties": {
                    "default_model": {"minLength": 1},
                    "base_url": {"anyOf": [no_url, {"type": "string", "pattern": URL_PATTERN}]},
                },
            },
        },
        {
            "if": {"properties": {"kind": {"enum": _KEYLESS}}},
            "then": {"properties": {"base_url": no_url, "api_key": {"type": "null"}}},
        },
        {
            "if": {"properties": {"kind": {"const": "bedrock"}}},
            "then": {
                "required": ["default_model"],
                "properties": {"default_model": {"minLength": 1}},
            },
        },
        {
            "if": {"properties": {"kind": {"const": "templates"}}},
            "then": {"properties": {"default_model": {"enum": ["", "templates-1", "offline-1"]}}},
        },
    ]


class ProviderUpsert(_Request):
    """A provider's whole configuration (`POST /providers/{name}`: the name is in the path).

    `api_key` left out keeps the stored key; null removes it; a value replaces it.
    """

    model_config = ConfigDict(json_schema_extra=_rules_joining_fields)

    kind: ProviderKind = Field(description=KIND_DESCRIPTION)
    base_url: BaseUrl = Field(
        default="",
        description="Empty: the vendor's own API. OpenAI-compatible servers (vLLM, Ollama, "
        "OpenRouter, ...) are kind openai with their base URL, ending in /v1",
    )
    api_key: ApiKey | None = Field(default=None, description="Write-only")
    default_model: ModelId = Field(default="", description="Required but for templates")
    enabled: StrictBool = True


class ProviderCreate(ProviderUpsert):
    name: ProviderName


class ProviderUpdate(_Request):
    """Only what is sent changes. null removes `api_key`, `base_url` (back to the vendor's
    API) and `default_model`; `kind` and `enabled` cannot be null."""

    kind: ProviderKind = omittable(description=KIND_DESCRIPTION)
    base_url: BaseUrl | None = Field(
        default=None,
        description="null or blank: the vendor's own API",
        json_schema_extra={
            "anyOf": [
                {"type": "string", "pattern": r"^\s*$"},
                {"type": "string", "maxLength": 2048, "pattern": URL_PATTERN},
                {"type": "null"},
            ]
        },
    )
    api_key: ApiKey | None = Field(default=None, description="Write-only; null removes it")
    default_model: ModelId | None = None
    enabled: StrictBool = omittable()

    @field_validator("kind", "enabled", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Only reached when the field was sent: null is not "leave it", it is an error.
        if value is None:
            raise ValueError("may be left out but not null")
        return value


class ApiKeyStatus(_Answer):
    configured: bool
    hint: str | None = Field(default=None, description="The key masked: e.g. sk-…Ab3d")


class ProviderPublic(_Answer):
    name: str
    kind: ProviderKind
    base_url: str = Field(description="Empty: the vendor's own API")
    default_model: str
    enabled: bool
    api_key: ApiKeyStatus
    builtin: bool = Field(
        description="true: the built-in template generator (name templates, older name "
        "offline), which every team has; read-only: writes to it answer 409",
    )
    created_at: datetime | None = Field(description="null for the built-in (never stored)")
    updated_at: datetime | None = Field(description="null for the built-in (never stored)")


class ProviderCheck(_Answer):
    """What `POST /providers/{name}/test` found: a model count, or why it failed."""

    provider: str
    status: Literal["ok", "error"]
    models_count: int | None = None
    detail: str | None = None

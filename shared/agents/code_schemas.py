"""The code form of an agent (seed 002's CreateAgentRequest fields), beside the phase form.

A code agent's `code` is a Python module defining `run(input_dict, tools)` (agents15's
convention); it runs only in the sandbox (shared.sandbox.client). Requests may name each
field as seed 002 writes it (`friendlyName`, `inputSchema`, ...) or in snake_case; answers
use snake_case. Schemas must be valid JSON Schemas (jsonschema's `check_schema`, imported
only when a schema is given: the `schemas` layer).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from shared.agents.tools import MAX_TOOLS, Tool
from shared.llm.provider_names import ProviderName
from shared.numbers import JSON_NUMBER
from shared.request_fields import trimmed

# As the sandbox takes (shared.sandbox.client.MAX_CODE_BYTES: 413 beyond, in bytes); the
# schema's limit is in characters, so the bytes are checked again with the syntax.
MAX_CODE_CHARS = 64 * 1024
MAX_SCHEMA_BYTES = 32 * 1024
MAX_MODELS = 20
MAX_THOUGHTS_CHARS = 16_000
# A deployment's friendly name, as it appears in `/rest/<name>`: lower case, URL-path
# safe (a subset of what demos accept as a selected API).
FRIENDLY_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
FriendlyName = Annotated[str, StringConstraints(pattern=FRIENDLY_NAME_PATTERN)]


def check_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` when it is a valid JSON Schema (its `$schema` dialect, else 2020-12)."""
    if len(json.dumps(schema)) > MAX_SCHEMA_BYTES:
        raise ValueError(f"is larger than {MAX_SCHEMA_BYTES // 1024} KiB")
    from jsonschema import exceptions, validators

    try:
        validators.validator_for(schema).check_schema(schema)
    except exceptions.SchemaError as exc:
        raise ValueError(f"is not a valid JSON Schema: {exc.message}") from None
    return schema


JsonSchema = Annotated[dict[str, Any], AfterValidator(check_json_schema)]


def _alias(snake: str, camel: str) -> Any:
    return AliasChoices(snake, camel)


class ModelChoice(BaseModel):
    """Seed 002's ProviderConfig: a provider of the team (GET /providers; `templates` is the
    built-in template generator) and a model of it (none: its default)."""

    model_config = ConfigDict(extra="forbid")

    provider: ProviderName
    model: Annotated[str, trimmed(200)] | None = None


class ComposerParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    temperature: Annotated[float, Field(ge=0, le=2), JSON_NUMBER] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=16_384), JSON_NUMBER] | None = None


class ComposerConfig(ModelChoice):
    """The model that writes an agent's code (seed 002's `modelConfig`)."""

    parameters: ComposerParameters | None = None


Code = Annotated[
    str,
    StringConstraints(max_length=MAX_CODE_CHARS),
    Field(description="a Python module defining run(input_dict, tools); 64 KiB at most"),
]
Tools = Annotated[list[Tool], Field(max_length=MAX_TOOLS)]
Models = Annotated[list[ModelChoice], Field(max_length=MAX_MODELS)]
Thoughts = Annotated[str, StringConstraints(max_length=MAX_THOUGHTS_CHARS)]
Docstring = Annotated[str, StringConstraints(max_length=4_000)]

# The code form's fields by name, as requests and the store know them.
CODE_FIELDS = (
    "code",
    "friendly_name",
    "tools",
    "input_schema",
    "output_schema",
    "invokable_models",
    "docstring",
    "composer_thoughts",
    "composer_model_config",
)


class CodeForm(BaseModel):
    """The code form's fields on a request (every one may be left out or null)."""

    code: Code | None = None
    friendly_name: FriendlyName | None = Field(
        default=None,
        validation_alias=_alias("friendly_name", "friendlyName"),
        description="the name it is deployed under by default (`friendlyName` too)",
    )
    tools: Tools | None = Field(
        default=None, description="the tools its code may call (llm, mcp, http)"
    )
    input_schema: JsonSchema | None = Field(
        default=None,
        validation_alias=_alias("input_schema", "inputSchema"),
        description="a JSON Schema its input must match (`inputSchema` too)",
    )
    output_schema: JsonSchema | None = Field(
        default=None,
        validation_alias=_alias("output_schema", "outputSchema"),
        description="a JSON Schema its result must match (`outputSchema` too)",
    )
    invokable_models: Models | None = Field(
        default=None,
        validation_alias=_alias("invokable_models", "invokableModels"),
        description="models its code may ask for (`invokableModels` too)",
    )
    docstring: Docstring | None = None
    composer_thoughts: Thoughts | None = Field(
        default=None,
        validation_alias=_alias("composer_thoughts", "composerThoughts"),
        description="what the composer said when it wrote the code (`composerThoughts` too)",
    )
    composer_model_config: ComposerConfig | None = Field(
        default=None,
        validation_alias=_alias("composer_model_config", "composerModelConfig"),
        description="the model that wrote the code (`composerModelConfig` too)",
    )

    def code_fields(self, *, given_only: bool) -> dict[str, Any]:
        """The code form's fields as stored (plain JSON values): all of them, or only those
        the request gave (a null given clears the field)."""
        names = [n for n in CODE_FIELDS if not given_only or n in self.model_fields_set]
        dumped = self.model_dump(include=set(names), exclude_none=False)
        for name in ("tools", "invokable_models", "composer_model_config"):
            if dumped.get(name) is not None:
                dumped[name] = json.loads(json.dumps(dumped[name]))
        if dumped.get("tools") is not None:
            dumped["tools"] = [
                {k: v for k, v in tool.items() if v is not None} for tool in dumped["tools"]
            ]
        return dumped

"""The shapes of POST /agents/run-code (seed 002's RunCodeRequest and its answer)."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from shared.agents.tools import MAX_TOOLS, Tool
from shared.sandbox.client import MAX_TOOL_CALLS


class RunCodeRequest(BaseModel):
    """Seed 002's RunCodeRequest: `code` defines `run(input_dict, tools)` (def or async
    def) returning JSON; `inputDict` (or `input_dict`) is what it gets."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    code: str = Field(
        description="a Python module defining run(input_dict, tools); at most 64 KiB (413 beyond)"
    )
    input_dict: Any = Field(
        default=None,
        validation_alias=AliasChoices("inputDict", "input_dict"),
        description="the code's input (`input_dict` is accepted too)",
    )
    tools: list[Tool] = Field(default_factory=list, max_length=MAX_TOOLS)
    input_schema: dict[str, Any] | None = Field(
        default=None, description="a JSON Schema the input must match (422 otherwise)"
    )
    output_schema: dict[str, Any] | None = Field(
        default=None, description="a JSON Schema the result must match (422 otherwise)"
    )


class ToolCallPublic(BaseModel):
    name: str
    type: str
    duration_ms: float
    cost_usd: float


class RunCodeResult(BaseModel):
    result: Any = Field(description="what run() returned (JSON)")
    stdout: str = Field(description="what the code printed, capped at 64 KiB")
    stderr: str
    duration_ms: float = Field(description="the whole run, tool calls included")
    tool_calls: list[ToolCallPublic] = Field(
        description=f"the tools the code called, in order (at most {MAX_TOOL_CALLS})"
    )
    cost_usd: float = Field(description="what its model calls cost (in the team's ledger)")

"""The sandbox function's work: check the input against its schema, run the code in a
child process (`runner`), check the output against its schema, answer what happened.

Its answer is always a JSON object (`SandboxAnswer`), an error of the code included, so the
caller tells "the code failed" (a 422 for the user) from "the sandbox failed" (Lambda's
function error). The function has no network and no grants: a tool the code calls comes
back as `status: "tool_request"` (see shared/sandbox/broker.py).
"""

from __future__ import annotations

from typing import Any, Literal

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError, best_match
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.sandbox import runner

MAX_CODE_BYTES = 64 * 1024
MAX_TIMEOUT_SECONDS = 20.0
MAX_TOOL_CALLS = 8

Status = Literal["ok", "tool_request", "error"]


class ToolResult(BaseModel):
    """A tool call the code made in an earlier run and what the caller's broker answered."""

    model_config = ConfigDict(extra="forbid")

    request: dict[str, Any]
    result: Any = None


class SandboxRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=MAX_CODE_BYTES)
    input_dict: Any = None
    tool_results: list[ToolResult] = Field(default_factory=list, max_length=MAX_TOOL_CALLS)
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    timeout_seconds: float = Field(default=10.0, gt=0, le=MAX_TIMEOUT_SECONDS)


class SandboxAnswer(BaseModel):
    status: Status
    result: Any = None
    tool_request: dict[str, Any] | None = None
    # error: input, input_schema, output_schema, output, syntax, definition, exception,
    # memory, timeout, result, crash, request
    error_kind: str | None = None
    detail: str | None = None
    line: int | None = None
    stdout: str = ""
    stderr: str = ""
    duration_ms: float = 0.0
    tool_calls: int = 0
    isolated_network: bool = False


def handle(event: dict[str, Any]) -> dict[str, Any]:
    """One sandbox invocation: `event` is a `SandboxRequest`'s JSON."""
    try:
        request = SandboxRequest.model_validate(event)
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
        return _answer(status="error", error_kind="request", detail=f"bad request: {fields}")
    for kind, schema in (
        ("input_schema", request.input_schema),
        ("output_schema", request.output_schema),
    ):
        problem = schema_problem(schema)
        if problem is not None:
            return _answer(status="error", error_kind=kind, detail=f"{kind}: {problem}")
    problem = instance_problem(request.input_schema, request.input_dict)
    if problem is not None:
        return _answer(status="error", error_kind="input", detail=f"input: {problem}")
    outcome = runner.run(
        request.code,
        request.input_dict,
        tool_results=[item.model_dump() for item in request.tool_results],
        limits=runner.Limits(timeout_seconds=request.timeout_seconds),
    )
    common: dict[str, Any] = {
        "stdout": outcome.stdout,
        "stderr": outcome.stderr,
        "duration_ms": round(outcome.duration_ms, 3),
        "tool_calls": outcome.tool_calls,
        "isolated_network": outcome.isolated_network,
    }
    if outcome.ending == "tool_request":
        return _answer(status="tool_request", tool_request=outcome.value, **common)
    if outcome.ending == "error":
        return _answer(
            status="error",
            error_kind=outcome.error_kind,
            detail=outcome.message,
            line=outcome.line,
            **common,
        )
    problem = instance_problem(request.output_schema, outcome.value)
    if problem is not None:
        return _answer(status="error", error_kind="output", detail=f"output: {problem}", **common)
    return _answer(status="ok", result=outcome.value, **common)


def schema_problem(schema: dict[str, Any] | None) -> str | None:
    """Why `schema` is not a JSON Schema (its own `$schema` dialect, else 2020-12), or None."""
    if schema is None:
        return None
    try:
        validators.validator_for(schema, default=Draft202012Validator).check_schema(schema)
    except SchemaError as exc:
        return f"not a valid JSON Schema: {exc.message}"
    return None


def instance_problem(schema: dict[str, Any] | None, instance: Any) -> str | None:
    """The most relevant way `instance` fails `schema` (with where), or None."""
    if schema is None:
        return None
    validator = validators.validator_for(schema, default=Draft202012Validator)(schema)
    error = best_match(validator.iter_errors(instance))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path)
    return f"{error.message}" + (f" (at /{where})" if where else "")


def _answer(**fields: Any) -> dict[str, Any]:
    return SandboxAnswer(**fields).model_dump()

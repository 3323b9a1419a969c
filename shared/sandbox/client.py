"""Running user code, for the groups that do: never in their own process.

`run_code` invokes the `sandbox` worker function (its own role with no grants, isolated
subnets with no route out; locally the same handler, which runs the code in a child process
with limits) and brokers the tools the code calls (shared/sandbox/broker.py says why by
replay). `check_syntax` only compiles. Every way the code can fail is a 422 whose detail
names the cause (`CodeRejected` and its subclasses); the sandbox itself not answering is a
503.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.errors import PayloadTooLarge, ServiceUnavailable, Unprocessable
from shared.ids import new_id
from shared.sandbox.broker import ToolFailed, call_tool

SANDBOX_WORKER = "sandbox"
# As the sandbox's worker checks (shared/sandbox/worker.py): importing it would import
# jsonschema, which the calling groups do not ship.
MAX_CODE_BYTES = 64 * 1024
MAX_TIMEOUT_SECONDS = 20.0
MAX_TOOL_CALLS = 8
# The whole run: every invocation of the sandbox and every tool call, under API Gateway's
# 30 s (a route group's function times out at 29 s).
TOTAL_SECONDS = 25.0
# What an invocation may take beyond the code's own limit: the child's start, the schemas.
INVOKE_MARGIN_SECONDS = 5.0

__all__ = [
    "CodeDefinitionInvalid",
    "CodeFailed",
    "CodeOutOfMemory",
    "CodeRejected",
    "CodeRun",
    "CodeSyntaxInvalid",
    "CodeTimedOut",
    "InputInvalid",
    "OutputInvalid",
    "ResultNotJson",
    "SchemaInvalid",
    "ToolCall",
    "ToolFailed",
    "check_syntax",
    "run_code",
]


class CodeRejected(Unprocessable):
    """The code, its input or its output did not pass: the detail names the cause."""


class CodeSyntaxInvalid(CodeRejected):
    pass


class CodeDefinitionInvalid(CodeRejected):
    pass


class InputInvalid(CodeRejected):
    pass


class SchemaInvalid(CodeRejected):
    pass


class CodeTimedOut(CodeRejected):
    pass


class CodeOutOfMemory(CodeRejected):
    pass


class CodeFailed(CodeRejected):
    """The code raised (the detail names the exception and the line)."""


class OutputInvalid(CodeRejected):
    pass


class ResultNotJson(CodeRejected):
    pass


class ToolCall(BaseModel):
    """One tool call the code made, as the broker ran it."""

    model_config = ConfigDict(defer_build=True)

    name: str
    type: str
    duration_ms: float
    cost_usd: float = 0.0


class CodeRun(BaseModel):
    """What a run answered: the code's JSON result, its capped output, how long the whole
    run took (tool calls included), the tools it called and what the model calls cost."""

    model_config = ConfigDict(defer_build=True)

    result: Any = None
    stdout: str = ""
    stderr: str = ""
    duration_ms: float = 0.0
    tool_calls: list[ToolCall] = []
    cost_usd: float = 0.0


def check_syntax(code: str) -> None:
    """422 naming the line when `code` does not compile, or defines no top-level `run`;
    the code is compiled, never executed."""
    if len(code.encode()) > MAX_CODE_BYTES:
        raise PayloadTooLarge(f"code is larger than {MAX_CODE_BYTES // 1024} KiB")
    try:
        tree = ast.parse(code, "<agent>")
        compile(tree, "<agent>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"line {exc.lineno}: " if exc.lineno else ""
        raise CodeSyntaxInvalid(f"code: {where}{exc.msg}") from None
    except ValueError as exc:  # a NUL byte
        raise CodeSyntaxInvalid(f"code: {exc}") from None
    if not any(_defines_run(node) for node in tree.body):
        raise CodeDefinitionInvalid("code: defines no function run(input_dict, tools)")


def _defines_run(node: ast.stmt) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return node.name == "run"
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == "run" for t in node.targets)
    if isinstance(node, (ast.ImportFrom, ast.Import)):
        return any((alias.asname or alias.name) == "run" for alias in node.names)
    return False


def run_code(
    *,
    team_id: str,
    actor: str,
    code: str,
    input_dict: Any,
    tools: Sequence[Mapping[str, Any]] = (),
    input_schema: dict[str, Any] | None = None,
    output_schema: dict[str, Any] | None = None,
    timeout_seconds: float = 10.0,
) -> CodeRun:
    """Run `code`'s `run(input_dict, tools)` in the sandbox for `actor` of `team_id` (the
    ledger's user for model calls), with its declared `tools`, checking the input and the
    output against their schemas."""
    from shared.invoke import InvocationFailed, invoke_worker

    check_syntax(code)
    if not 0 < timeout_seconds <= MAX_TIMEOUT_SECONDS:
        raise Unprocessable(f"timeout_seconds must be in (0, {MAX_TIMEOUT_SECONDS:g}]")
    declared = {str(tool.get("name")): tool for tool in tools}
    started = time.perf_counter()
    run_id = new_id()
    tool_results: list[dict[str, Any]] = []
    calls: list[ToolCall] = []
    while True:
        remaining = TOTAL_SECONDS - (time.perf_counter() - started)
        if remaining <= 0.5:
            raise CodeTimedOut(f"the run with its tool calls took longer than {TOTAL_SECONDS:g} s")
        limit = min(timeout_seconds, remaining)
        payload = {
            "code": code,
            "input_dict": input_dict,
            "tool_results": tool_results,
            "input_schema": input_schema,
            "output_schema": output_schema,
            "timeout_seconds": limit,
        }
        try:
            answer = invoke_worker(
                SANDBOX_WORKER, payload, timeout_seconds=limit + INVOKE_MARGIN_SECONDS
            )
        except InvocationFailed as exc:
            raise ServiceUnavailable("the sandbox did not answer") from exc
        status = answer.get("status")
        if status == "ok":
            return CodeRun(
                result=answer.get("result"),
                stdout=answer.get("stdout") or "",
                stderr=answer.get("stderr") or "",
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                tool_calls=calls,
                cost_usd=round(sum(call.cost_usd for call in calls), 6),
            )
        if status == "tool_request":
            request = answer.get("tool_request")
            if not isinstance(request, dict):
                raise ServiceUnavailable("the sandbox answered a tool request without its tool")
            if len(tool_results) >= MAX_TOOL_CALLS:
                raise ToolFailed(f"the code made more than {MAX_TOOL_CALLS} tool calls")
            tool_started = time.perf_counter()
            done = call_tool(
                request,
                team_id=team_id,
                actor=actor,
                declared=declared,
                call_id=f"code-{run_id}-{len(tool_results) + 1}",
            )
            calls.append(
                ToolCall(
                    name=str(request.get("name")),
                    type=done.kind,
                    duration_ms=round((time.perf_counter() - tool_started) * 1000, 3),
                    cost_usd=done.cost_usd,
                )
            )
            tool_results.append({"request": request, "result": done.result})
            continue
        raise _rejection(answer)


_REJECTIONS: dict[str, type[CodeRejected]] = {
    "syntax": CodeSyntaxInvalid,
    "definition": CodeDefinitionInvalid,
    "input": InputInvalid,
    "input_schema": SchemaInvalid,
    "output_schema": SchemaInvalid,
    "timeout": CodeTimedOut,
    "memory": CodeOutOfMemory,
    "exception": CodeFailed,
    "output": OutputInvalid,
    "result": ResultNotJson,
    # The code's process died without answering (a crash the code caused).
    "crash": CodeFailed,
}


def _rejection(answer: Mapping[str, Any]) -> Exception:
    kind = str(answer.get("error_kind"))
    detail = str(answer.get("detail") or "the code failed")
    line = answer.get("line")
    rejection = _REJECTIONS.get(kind)
    if rejection is None:  # a request the worker refused: ours, not the code's
        return ServiceUnavailable("the sandbox could not run the code")
    if kind == "syntax":
        detail = f"code: line {line}: {detail}" if isinstance(line, int) else f"code: {detail}"
    elif isinstance(line, int):
        detail = f"{detail} (line {line})"
    return rejection(detail)

"""Synchronous calls to the product's own worker functions through Lambda's Invoke.

A group hands work it must not do in its own process (user code in the sandbox, requests
to a team's MCP server or SSH host) to a worker with its own role, network and limits, and
waits for the answer. Deployed it is `lambda:InvokeFunction` on `<prefix>-<name>`, which the
caller's registry entry lists in `invokes`; locally the emulated Lambda runs the same
handler (tools/local/emulator.py).
"""

from __future__ import annotations

import json
from typing import Any

from shared.aws import client
from shared.settings import get_settings


class InvocationFailed(RuntimeError):
    """The worker raised (Lambda's FunctionError) or answered something that is not a JSON
    object: its error type and message, never its traceback."""


def function_name(worker: str) -> str:
    return f"{get_settings().resource_prefix}-{worker}"


def invoke_worker(
    worker: str, payload: dict[str, Any], *, timeout_seconds: float
) -> dict[str, Any]:
    """What the worker's handler answers for `payload`, waiting up to `timeout_seconds` (the
    worker's own timeout plus its start: a read timeout shorter than that would retry work
    that is still running). Never retried here: the caller knows whether a second run is safe."""
    lambda_client = client("lambda", read_timeout=timeout_seconds, retries=0)
    answer = lambda_client.invoke(
        FunctionName=function_name(worker),
        InvocationType="RequestResponse",
        Payload=json.dumps(payload).encode(),
    )
    raw = answer["Payload"].read()
    try:
        body = json.loads(raw) if raw else None
    except ValueError as exc:
        raise InvocationFailed(f"{worker} answered no JSON") from exc
    if answer.get("FunctionError"):
        detail = body if isinstance(body, dict) else {}
        kind = detail.get("errorType", "Error")
        raise InvocationFailed(f"{worker} failed: {kind}: {detail.get('errorMessage', '')}")
    if not isinstance(body, dict):
        raise InvocationFailed(f"{worker} answered {type(body).__name__}, not an object")
    return body

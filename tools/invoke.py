"""Run one function's Lambda handler with an event file, as `sam local invoke` would.

    tools/invoke health events/apigw_v2_healthz.json
    tools/invoke functions.health.handler.handler events/apigw_v2_readyz.json

The handler runs over the same emulated AWS as `make dev`, and the response is printed
as JSON (an API Gateway response's JSON body is shown decoded under `body_json`).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any


def _resolve_handler(target: str) -> tuple[str, Any]:
    from functions.registry import GROUPS_BY_NAME

    path = GROUPS_BY_NAME[target].handler if target in GROUPS_BY_NAME else target
    module_name, _, attribute = path.rpartition(".")
    if not module_name:
        known = ", ".join(sorted(GROUPS_BY_NAME))
        raise SystemExit(f"unknown function {target!r}: give a group ({known}) or module.attr")
    return path, getattr(importlib.import_module(module_name), attribute)


def _readable(response: Any) -> Any:
    if isinstance(response, dict) and isinstance(response.get("body"), str):
        try:
            return {**response, "body_json": json.loads(response["body"])}
        except ValueError:
            return response
    return response


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tools/invoke",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("function", help="a route group name, or a handler as module.attr")
    parser.add_argument("event", type=Path, help="an event file, e.g. from events/")
    args = parser.parse_args(argv)
    os.environ.setdefault("APP_ENV", "local")
    event = json.loads(args.event.read_text())

    from shared.settings import get_settings
    from tools.lambda_context import LocalLambdaContext
    from tools.local.emulator import emulated_aws

    with emulated_aws(get_settings()):
        path, handler = _resolve_handler(args.function)
        function_name = path.split(".")[1] if path.startswith("functions.") else path
        response = handler(event, LocalLambdaContext(function_name=function_name))
    print(json.dumps(_readable(response), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make dev`: serve every route group on 127.0.0.1:8000 over emulated AWS."""

from __future__ import annotations

import argparse
import os
import sys


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.local", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("APP_ENV", "local")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "SoftwareFactory")

    import uvicorn

    from shared.settings import get_settings
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import LocalGateway, register_group_functions

    settings = get_settings()
    with emulated_aws(settings):
        register_group_functions(settings)
        base = f"http://{args.host}:{args.port}"
        print(
            f"Software Factory API (local, emulated AWS) on {base}\n"
            f"  health:   {base}/healthz   readiness: {base}/readyz\n"
            f"  API docs: {base}/docs      OpenAPI:   {base}/openapi.json\n"
            f"  routes:   {base}/api/v1/... (also {base}/api/...)\n"
            "  auth:     the routes served so far are public; accounts, tokens and keys\n"
            "            come with the auth group (see README.md, 'Authentication').\n"
            "  Stop with Ctrl+C. Data lives in memory and is gone when the server stops.",
            flush=True,
        )
        uvicorn.run(
            LocalGateway(), host=args.host, port=args.port, log_level=args.log_level, lifespan="on"
        )


if __name__ == "__main__":
    main()

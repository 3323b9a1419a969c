"""`make dev`: serve every route group on 127.0.0.1:8000 over emulated AWS, with the
queues pumped to their workers and one-time schedules fired (tools/local/pump.py), and
live events over WebSocket on 127.0.0.1:8001/ws (tools/local/live.py)."""

from __future__ import annotations

import argparse
import os
import sys


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.local", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--live-port",
        type=int,
        default=int(os.environ["LIVE_PORT"]) if os.environ.get("LIVE_PORT") else None,
        help="the WebSocket API's port (live events, /ws; default: --port + 1, 0: any free port)",
    )
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("APP_ENV", "local")
    generated_admin_key = "ADMIN_API_KEY" not in os.environ
    if generated_admin_key:
        import secrets

        os.environ["ADMIN_API_KEY"] = secrets.token_urlsafe(24)
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "SoftwareFactory")

    import uvicorn

    from functions.auth.bootstrap import create_first_admin
    from shared.auth.principal import Principal
    from shared.auth.tokens import issue_token
    from shared.errors import Unprocessable
    from shared.settings import get_settings
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import LocalGateway, register_group_functions
    from tools.local.live import LocalLive
    from tools.local.pump import LocalPump

    settings = get_settings()
    # Beside the API's port by default; any free port when the API's is (`--port 0`).
    live_port = args.live_port if args.live_port is not None else args.port + bool(args.port)
    with (
        emulated_aws(settings),
        LocalLive(settings, host=args.host, port=live_port).running() as live,
    ):
        register_group_functions(settings)
        from tools.local.outbox import keep_files

        outbox = keep_files()
        base = f"http://{args.host}:{args.port}"
        admin_key = os.environ["ADMIN_API_KEY"]
        try:
            first = create_first_admin()
        except Unprocessable as exc:  # LOCAL_ADMIN_PASSWORD fails the password policy
            raise SystemExit(f"LOCAL_ADMIN_PASSWORD: {exc.detail}") from exc
        password = first.password if first.generated else "(LOCAL_ADMIN_PASSWORD)"
        token = issue_token(
            Principal("service:default", "default", "admin"),
            ttl_seconds=settings.service_token_hours * 3600,
        )
        print(
            f"Software Factory API (local, emulated AWS) on {base}\n"
            f"  health:   {base}/healthz   readiness: {base}/readyz\n"
            f"  API docs: {base}/docs      OpenAPI:   {base}/openapi.json\n"
            f"  routes:   {base}/api/v1/... (also {base}/api/...)\n"
            f"  live events (WebSocket): {live.url}?token=$FACTORY_TOKEN\n"
            f"  inbound webhooks (a source's URL, no bearer token): "
            f"{base}/api/v1/hooks/{{source_id}}\n"
            f"  admin account of team '{first.team_id}' (shown once): {first.email} {password}\n"
            f"    sign in: curl -s -X POST {base}/api/v1/auth/login "
            "-H 'Content-Type: application/json' "
            f'-d \'{{"email": "{first.email}", "password": "..."}}\'\n'
            f"  admin key ({'generated for this run' if generated_admin_key else 'ADMIN_API_KEY'})"
            f": {admin_key}\n"
            f"  a token for team 'default' (admin, {settings.service_token_hours} h):\n"
            f"    export FACTORY_URL={base}\n"
            f"    export FACTORY_TOKEN={token}\n"
            f"  or ask for one: curl -s -X POST {base}/api/v1/auth/token "
            f"-H 'X-Admin-Key: {admin_key}' -H 'Content-Type: application/json' "
            '-d \'{"team_id": "default"}\'\n'
            f"  e-mail (notification channels) is not sent: each message is kept in {outbox}/\n"
            "  Stop with Ctrl+C. Data lives in memory and is gone when the server stops.",
            flush=True,
        )
        # Queues reach their workers and due schedules fire while the server runs.
        with LocalPump(settings).running():
            uvicorn.run(
                LocalGateway(),
                host=args.host,
                port=args.port,
                log_level=args.log_level,
                lifespan="on",
            )


if __name__ == "__main__":
    main()

"""Live events: an event published -> the WebSocket message received, on the local runtime.

In a child interpreter of its own: emulated AWS, the local WebSocket API
(tools/local/live.py: the socket function's handler behind `websockets`, the Management
API over loopback HTTP) and `make dev`'s queue pump in its background thread (a round
every 50 ms). One client connects with a token, subscribes to `job.*`, and events are
published one at a time with `shared.events.publish`; each travels the bus rule ->
live-events -> live_push (a gsi1 Query of the team's connections, a post through boto3's
Management API client) -> the socket. The time is from the publish call to the message's
arrival at the client.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench.common import percentile, run_child
from bench.report import Check, Table

MAX_P50 = 0.5  # seconds
EVENT_TYPE = "job.phase.completed"
TEAM = "bench-live-team"
RECEIVE_TIMEOUT = 10.0  # seconds an event may take before it counts as lost
DEFAULT_EVENTS = 200
DEFAULT_WARMUP = 3


def _environment() -> Any:
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": "factory-bench-live",
            "ARTIFACTS_BUCKET": "factory-bench-live-artifacts",
            "EVENT_BUS_NAME": "factory-bench-live-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from shared.settings import get_settings

    return get_settings()


def _push_child(count: int, warmup: int) -> dict[str, Any]:
    settings = _environment()
    from websockets.sync.client import connect

    from shared import events
    from shared.auth.principal import Principal
    from shared.auth.tokens import issue_token
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import register_group_functions
    from tools.local.live import LocalLive
    from tools.local.pump import LocalPump

    latencies: list[float] = []
    lost = 0
    with emulated_aws(settings), LocalLive(settings).running() as live:
        register_group_functions(settings)
        token = issue_token(Principal("bench-user", TEAM, "member"), ttl_seconds=3600)
        with LocalPump(settings).running(), connect(f"{live.url}?token={token}") as socket:
            socket.send(json.dumps({"type": "subscribe", "event": "job.*"}))
            if json.loads(socket.recv(timeout=RECEIVE_TIMEOUT)).get("type") != "subscribed":
                raise RuntimeError("the subscription was refused")
            for seq in range(-warmup, count):  # negative: warm-up, untimed
                detail = {"team_id": TEAM, "job_id": "bench-job", "phase": "code", "seq": seq}
                published = time.perf_counter()
                if not events.publish(EVENT_TYPE, detail):
                    raise RuntimeError("the bus refused an event")
                arrived: float | None = None
                deadline = published + RECEIVE_TIMEOUT
                while arrived is None and time.perf_counter() < deadline:
                    try:
                        message = json.loads(socket.recv(timeout=deadline - time.perf_counter()))
                    except TimeoutError:
                        break
                    if message.get("data", {}).get("seq") == seq:
                        arrived = time.perf_counter()
                if seq < 0:
                    continue
                if arrived is None:
                    lost += 1
                else:
                    latencies.append(arrived - published)
    return {"latencies": latencies, "lost": lost}


@dataclass(frozen=True, slots=True)
class LiveReport:
    latencies: list[float]
    lost: int
    published: int


def measure(events: int = DEFAULT_EVENTS, *, warmup: int = DEFAULT_WARMUP) -> LiveReport:
    found = run_child("bench.live", "push", str(events), str(warmup))
    return LiveReport(found["latencies"], found["lost"], events)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def table(report: LiveReport) -> Table:
    out = Table(
        "Live events: event published -> WebSocket message received", ["measure", "p50", "p99"]
    )
    if report.latencies:
        out.rows.append(
            [
                f"event -> WebSocket message ({len(report.latencies)} events)",
                _ms(statistics.median(report.latencies)),
                _ms(percentile(report.latencies, 99)),
            ]
        )
    out.rows.append(["messages lost", f"{report.lost} of {report.published}", ""])
    out.notes.append(
        "The local runtime: the queue pump in its background thread (a round every 50 ms, "
        "as `make dev`), events published one at a time with shared.events.publish (bus "
        "rule -> live-events -> live_push -> Management API over loopback -> the socket), "
        "one client subscribed to job.*; time from the publish call to the message's "
        "arrival. Half a pump round (25 ms) on average is the emulator's own wait."
    )
    return out


def checks(report: LiveReport) -> list[Check]:
    latencies = report.latencies
    p50 = statistics.median(latencies) if latencies else None
    return [
        Check(
            f"event -> WebSocket message p50, local runtime ({report.published} events)",
            (
                f"{_ms(p50)} (p99 {_ms(percentile(latencies, 99))}; {report.lost} lost)"
                if p50 is not None
                else "nothing arrived"
            ),
            f"<= {MAX_P50 * 1000:.0f} ms, none lost",
            p50 is not None and p50 <= MAX_P50 and report.lost == 0,
        )
    ]


if __name__ == "__main__":
    kind, *numbers = sys.argv[1:]
    if kind != "push":
        raise SystemExit(f"unknown measurement {kind!r}")
    print(json.dumps(_push_child(*(int(number) for number in numbers))))

"""(s) Support chat round trip on the local runtime: a visitor's message to a listed
product's support session (`POST /support/sessions/{id}/messages`, the built-in template
generator as the seller's provider) through the local gateway, its reply queued on
chat-tickets, `make dev`'s pump in its background thread (a round every 50 ms) carrying it
to chat_runner, which answers through the seller's router and appends the reply; then
`GET .../replies/{reply_id}` reads it. Timed from the POST call to the GET answering
`completed`, one message at a time, in an interpreter of its own over emulated AWS
(`python -m bench.support <messages> <warmup>`).

The per-address message limit is raised for the run (its check, one DynamoDB update per
message, still runs): one client sends every message, far more than a person would.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from bench.chat import marking_completed_tickets
from bench.common import run_child
from bench.report import Check, Table
from bench.round_trips import (
    RoundTripReport,
    round_trip_check,
    round_trip_table,
    time_round_trips,
)

MAX_ROUND_TRIP_P50 = 0.3  # seconds
TEAM = "bench-support-team"
DEFAULT_WARMUP = 3


def _environment() -> Any:
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": "factory-bench-support",
            "ARTIFACTS_BUCKET": "factory-bench-support-artifacts",
            "EVENT_BUS_NAME": "factory-bench-support-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from shared.settings import get_settings

    return get_settings()


def _listed_product() -> str:
    """A published product good enough to be listed, as a passed job's publish leaves one."""
    from dataclasses import replace

    from shared.ids import utcnow
    from shared.products import store
    from shared.products.service import create_draft

    draft = create_draft(
        TEAM, job_id=None, name="Pet Sitter Pages", category="web", description="A site", actor="b"
    )
    listed = replace(draft, status="published", release=1, quality_score=100, published_at=utcnow())
    return store.save_product(draft, listed).id


def _support_child(count: int, warmup: int) -> dict[str, Any]:
    settings = _environment()
    from fastapi.testclient import TestClient

    import functions.support.app as support_routes
    from shared.ratelimit import Limit
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import LocalGateway, register_group_functions
    from tools.local.pump import LocalPump

    finished = marking_completed_tickets()
    support_routes.MESSAGES_PER_IP = Limit("bench-support-message", 100_000, 60)
    with emulated_aws(settings):
        register_group_functions(settings)
        product_id = _listed_product()
        with TestClient(LocalGateway()) as http, LocalPump(settings).running():
            opened = http.post("/api/v1/support/sessions", json={"product_id": product_id})
            if opened.status_code != 201:
                raise RuntimeError(f"the session was not opened: {opened.text}")
            session = opened.json()
            url = f"/api/v1/support/sessions/{session['id']}"
            found = time_round_trips(
                http,
                finished,
                headers={"X-AIF-Support-Token": session["token"]},
                post=f"{url}/messages",
                body={"content": "Does it work on phones?"},
                accepted=202,
                id_field="reply_id",
                get=url + "/replies/{id}",
                done_status="completed",
                count=count,
                warmup=warmup,
            )
    return {"latencies": found.latencies, "posts": found.posts, "lost": found.lost}


def measure(messages: int = 50, warmup: int = DEFAULT_WARMUP) -> RoundTripReport:
    found = run_child("bench.support", str(messages), str(warmup))
    return RoundTripReport(found["latencies"], found["posts"], found["lost"], messages)


def table(report: RoundTripReport) -> Table:
    return round_trip_table(
        report,
        title="Support chat: message -> agent reply, local runtime",
        timed="POST .../messages -> GET .../replies/{id} completed "
        f"({len(report.latencies)} messages)",
        posted="of which POST .../messages answered 202",
        note="The local gateway in process, the pump in its background thread (a round every "
        "50 ms, as `make dev`), one message at a time in one session: the token checked, "
        "the per-address limit counted, the message and its ticket stored in one "
        "transaction, the ticket on chat-tickets; chat_runner answering through the "
        "seller's router (the built-in template generator) and appending the reply; one GET "
        "of the reply.",
    )


def checks(report: RoundTripReport) -> list[Check]:
    name = f"support message -> agent reply p50, local runtime ({report.rounds} messages)"
    return [round_trip_check(report, name=name, limit_seconds=MAX_ROUND_TRIP_P50)]


if __name__ == "__main__":
    count, warm = (int(value) for value in sys.argv[1:3])
    print(json.dumps(_support_child(count, warm)))

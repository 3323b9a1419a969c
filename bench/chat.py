"""(j) Chat ticket round trip on the local runtime: `POST /chat` (the built-in template
generator) through the local gateway, the ticket queued on chat-tickets, `make dev`'s pump
in its background thread (a round every 50 ms) carrying it to chat_runner, which answers
through the router and completes the ticket; then `GET /chat/{ticket_id}` reads the
result. Timed from the POST call to the GET answering `completed`, one ticket at a time,
in an interpreter of its own over emulated AWS (`python -m bench.chat <tickets> <warmup>`).

The client is woken by the ticket's completion (the consumer's write, hooked) and then
reads it once, as a client woken by the `chat.completed` push would: polling at a fixed
interval would time the interval, not the path.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from bench.common import run_child
from bench.report import Check, Table
from bench.round_trips import (
    Finished,
    RoundTripReport,
    round_trip_check,
    round_trip_table,
    time_round_trips,
)

MAX_ROUND_TRIP_P50 = 0.3  # seconds
TEAM = "bench-chat-team"
USER = "benchchatuser"
DEFAULT_WARMUP = 3


def _environment() -> Any:
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": "factory-bench-chat",
            "ARTIFACTS_BUCKET": "factory-bench-chat-artifacts",
            "EVENT_BUS_NAME": "factory-bench-chat-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from shared.settings import get_settings

    return get_settings()


def marking_completed_tickets() -> Finished:
    """A Finished that each chat ticket's completion marks (its consumer's write, hooked):
    the client is woken as the `chat.completed` push would wake it."""
    from shared.chat import store
    from shared.chat.domain import Ticket

    finished = Finished()
    original = store.complete_ticket

    def timed_complete(ticket: Ticket, **fields: Any) -> Ticket | None:
        done = original(ticket, **fields)
        finished.mark(ticket.ticket_id)
        return done

    store.complete_ticket = timed_complete  # type: ignore[assignment]
    return finished


def _chat_child(count: int, warmup: int) -> dict[str, Any]:
    settings = _environment()
    from fastapi.testclient import TestClient

    from shared.auth.principal import Principal
    from shared.auth.tokens import issue_token
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import LocalGateway, register_group_functions
    from tools.local.pump import LocalPump

    finished = marking_completed_tickets()
    body = {
        "messages": [{"role": "user", "content": "Capital of France?"}],
        "provider": "templates",
    }
    with emulated_aws(settings):
        register_group_functions(settings)
        token = issue_token(Principal(USER, TEAM, "member"), ttl_seconds=3600)
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(LocalGateway()) as http, LocalPump(settings).running():
            found = time_round_trips(
                http,
                finished,
                headers=headers,
                post="/api/v1/chat",
                body=body,
                accepted=202,
                id_field="ticket_id",
                get="/api/v1/chat/{id}",
                done_status="completed",
                count=count,
                warmup=warmup,
            )
    return {"latencies": found.latencies, "posts": found.posts, "lost": found.lost}


def measure(tickets: int = 50, warmup: int = DEFAULT_WARMUP) -> RoundTripReport:
    found = run_child("bench.chat", str(tickets), str(warmup))
    return RoundTripReport(found["latencies"], found["posts"], found["lost"], tickets)


def table(report: RoundTripReport) -> Table:
    return round_trip_table(
        report,
        title="Chat: POST /chat -> result, local runtime",
        timed=f"POST /chat -> GET /chat/{{id}} completed ({len(report.latencies)} tickets)",
        posted="of which POST /chat answered 202",
        note="The local gateway in process, the local runtime's queue pump in its background "
        "thread (a round every 50 ms over every mapped queue, as `make dev`), one ticket at "
        "a time to the built-in template generator: POST /chat (provider checked, ticket "
        "stored, message on chat-tickets), chat_runner through the router (budget and "
        "breaker read, ledger written) completing the ticket, then one GET of the ticket.",
    )


def checks(report: RoundTripReport) -> list[Check]:
    name = f"chat ticket round trip p50, POST -> result, local runtime ({report.rounds} tickets)"
    return [round_trip_check(report, name=name, limit_seconds=MAX_ROUND_TRIP_P50)]


if __name__ == "__main__":
    count, warm = (int(value) for value in sys.argv[1:3])
    print(json.dumps(_chat_child(count, warm)))

"""(e) The LLM path's own costs: the router's bookkeeping, and cost pages against history.

Router: a team's registered OpenAI-compatible provider, served by a loopback server that
answers in 200 ms (a model's latency, not a template's), called by its bare client and
through the team's router (budget check, circuit breaker, ledger transaction, alerts) over
emulated DynamoDB, interleaved; medians compared. The DynamoDB requests of every routed
call are counted, not timed. Cost pages: a team with 10 recorded calls and one with 10,000
over the same days, agents and providers, each page read again and again; medians
compared. Runs in its own interpreter (`python -m bench.llm`) so its emulated AWS stays its
own.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import run_child
from bench.report import Check, Table, ratio

MAX_ROUTER_OVERHEAD = 1.05
MAX_REQUESTS_PER_CALL = 2  # the batch read and the ledger's transaction
PROVIDER_LATENCY = 0.2  # seconds the loopback provider takes to answer
MAX_HISTORY_GROWTH = 1.2
PAGES = ("summary", "daily 30 days", "by agent", "by provider")
SMALL, LARGE = 10, 10_000


@dataclass(frozen=True, slots=True)
class LlmReport:
    direct: list[float]  # the provider's client called bare
    routed: list[float]  # the same call through the team's router
    requests: list[list[str]]  # the DynamoDB operations of each routed call
    pages: dict[str, dict[str, list[float]]]  # page -> {"small": [...], "large": [...]}


def _phase_request() -> Any:
    from functions.pipeline.prompts import messages_for
    from shared.llm.types import CompletionRequest, PhaseTask
    from shared.pipeline.spec import JobSpec

    spec = JobSpec(name="Bench notes", platforms=("web",), features=("notes",), slug="bench")
    task = PhaseTask(phase="architect", spec=spec.model_dump(mode="json"))
    return CompletionRequest(model="", messages=messages_for("architect", task), task=task)


def _seed_history(team_id: str, calls: int) -> None:
    """`calls` calls as the ledger leaves them (call items and their rollups), over the
    same 10 days, 5 agents and 3 providers whatever their number, so the two teams differ
    in history alone. Written in batches: ten thousand transactions through the emulator
    would take most of an hour, and a page cannot tell how its items were written."""
    from shared.costs.models import (
        TOTAL_KEY,
        CallItem,
        RollupItem,
        call_key,
        day_key,
        ledger_partition,
        month_key,
        rollup_key,
    )
    from shared.db.base import team_partition
    from shared.ids import new_id

    partition = team_partition(team_id)
    now = datetime.now(UTC)
    totals: dict[str, list[Any]] = {}
    with CallItem.batch_write() as batch:
        for i in range(calls):
            at = now - timedelta(days=i % 10, minutes=i % 600)
            agent, provider, cost = f"agent-{i % 5}", f"provider-{i % 3}", 150 + i % 50
            batch.save(
                CallItem(
                    ledger_partition(team_id),
                    call_key(new_id()),
                    team_id=team_id,
                    user_id="bench-user",
                    agent_id=agent,
                    provider=provider,
                    model="bench-model",
                    tokens_in=100,
                    tokens_out=50,
                    input_price_per_million=1.0,
                    output_price_per_million=2.0,
                    cost_micros=cost,
                    at=at,
                )
            )
            for key, label in (
                (TOTAL_KEY, "total"),
                (day_key(at.date()), at.date().isoformat()),
                (month_key(at.date()), at.strftime("%Y-%m")),
                (rollup_key("AGENT", agent), agent),
                (rollup_key("PROVIDER", provider), provider),
            ):
                entry = totals.setdefault(key, [label, 0, 0])
                entry[1] += 1
                entry[2] += cost
    with RollupItem.batch_write() as batch:
        for key, (label, count, cost) in totals.items():
            batch.save(
                RollupItem(
                    partition,
                    key,
                    team_id=team_id,
                    label=label,
                    calls=count,
                    tokens_in=100 * count,
                    tokens_out=50 * count,
                    cost_micros=cost,
                )
            )


def _pages(team_id: str) -> dict[str, Callable[[], object]]:
    from shared.costs import summaries
    from shared.pagination import PageParams

    return {
        "summary": lambda: summaries.summary(team_id),
        "daily 30 days": lambda: summaries.daily(team_id, 30),
        "by agent": lambda: summaries.by_agent(team_id, PageParams()),
        "by provider": lambda: summaries.by_provider(team_id, PageParams()),
    }


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _child(rounds: int) -> dict[str, Any]:
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": "factory-bench-llm",
            "ARTIFACTS_BUCKET": "factory-bench-llm-artifacts",
            "EVENT_BUS_NAME": "factory-bench-llm-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    from shared.settings import get_settings
    from tools.local.emulator import emulated_aws

    results: dict[str, Any] = {"pages": {}}
    with emulated_aws(get_settings()):
        results.update(_router(rounds))

        _seed_history("bench-small", SMALL)
        _seed_history("bench-large", LARGE)
        teams = {"small": _pages("bench-small"), "large": _pages("bench-large")}
        for name in PAGES:
            results["pages"][name] = {"small": [], "large": []}
        for _ in range(rounds):
            for name in PAGES:
                for size, pages in teams.items():
                    results["pages"][name][size].append(_timed(pages[name]))
    return results


def _router(rounds: int) -> dict[str, Any]:
    """The bare client and the routed call, interleaved, against one loopback provider;
    the DynamoDB operations of every routed call."""
    from dataclasses import replace

    from shared.llm import registry
    from shared.llm.registry import ProviderCreate
    from shared.llm.router import CallContext, Target
    from shared.llm.team_router import router_for
    from shared.team_settings import TeamSettings
    from tests.fake_servers import FakeServer, Reply, openai_chat

    team, name, model = "bench-router", "openai-bench", "gpt-4o-mini"
    answer = Reply(body=openai_chat(model=model), delay=PROVIDER_LATENCY)
    found: dict[str, Any] = {"direct": [], "routed": [], "requests": []}
    with FakeServer({("POST", "/v1/chat/completions"): answer}) as server:
        registry.create(
            team,
            ProviderCreate.model_validate(
                {
                    "name": name,
                    "kind": "openai",
                    "base_url": f"{server.url}/v1",
                    "api_key": "sk-bench-0123456789abcdef",
                    "default_model": model,
                }
            ),
        )
        client = registry.client_for(team, name)  # the one the router reuses
        router = router_for(TeamSettings())
        call = CallContext(team_id=team, user_id="bench-user", agent_id="architect")
        target = Target(name, model)
        request = replace(_phase_request(), model=model)

        def routed() -> None:
            with _dynamodb_calls() as calls:
                router.complete(call, target, request)
            found["requests"].append(calls)

        for _ in range(2):  # warm: imports, the connection, the emulator's first writes
            client.complete(request)
            routed()
        for _ in range(rounds):
            found["direct"].append(_timed(lambda: client.complete(request)))
            found["routed"].append(_timed(routed))
    return found


@contextmanager
def _dynamodb_calls() -> Iterator[list[str]]:
    """The name of every DynamoDB operation made inside, whichever client makes it (the
    batch read goes through boto3, the ledger through PynamoDB's own)."""
    from botocore.client import BaseClient

    calls: list[str] = []
    original = BaseClient._make_api_call

    def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(client, operation, params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def measure(rounds: int = 40) -> LlmReport:
    data = run_child("bench.llm", str(rounds))
    return LlmReport(data["direct"], data["routed"], data["requests"], data["pages"])


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _requests(per_call: list[list[str]]) -> str:
    """How many requests the routed calls made, and which (e.g. "2 in each of 42 calls:
    BatchGetItem, TransactWriteItems")."""
    shapes = sorted({tuple(calls) for calls in per_call}, key=len, reverse=True)
    counts = sorted({len(calls) for calls in per_call}, reverse=True)
    if len(counts) == 1:
        return f"{counts[0]} in each of {len(per_call)} calls: {', '.join(shapes[0])}"
    return f"up to {counts[0]} in {len(per_call)} calls: " + "; ".join(
        ", ".join(shape) for shape in shapes
    )


def table(report: LlmReport) -> Table:
    out = Table(
        "LLM path: router bookkeeping, cost pages against history (median of rounds)",
        ["measure", "median", "vs"],
    )
    direct, routed = statistics.median(report.direct), statistics.median(report.routed)
    out.rows.append(["provider's client called bare (answers in 200 ms)", _ms(direct), ""])
    out.rows.append(["the same call through the team's router", _ms(routed), ratio(routed, direct)])
    out.rows.append(["router bookkeeping (routed - bare)", _ms(routed - direct), ""])
    out.rows.append(["DynamoDB requests per routed call", _requests(report.requests), ""])
    for name, sizes in report.pages.items():
        small, large = statistics.median(sizes["small"]), statistics.median(sizes["large"])
        out.rows.append([f"{name}, {SMALL} calls recorded", _ms(small), ""])
        out.rows.append([f"{name}, {LARGE:,} calls recorded", _ms(large), ratio(large, small)])
    out.notes.append(
        "Router: one architect-phase request of a web job to a team's registered "
        "OpenAI-compatible provider, a loopback server answering in "
        f"{PROVIDER_LATENCY * 1000:.0f} ms over real HTTP; through the router it also passes "
        "the budget check, the circuit breaker and the ledger transaction with its rollups, "
        "on emulated DynamoDB (moto, in process). Requests are counted on every routed call. "
        "Cost "
        "pages: the service calls behind /costs/summary, /costs/daily?days=30, "
        "/costs/by-agent and /costs/by-provider."
    )
    return out


def checks(report: LlmReport) -> list[Check]:
    direct, routed = statistics.median(report.direct), statistics.median(report.routed)
    most = max(len(calls) for calls in report.requests)
    found = [
        Check(
            "DynamoDB requests per routed call (counted)",
            _requests(report.requests),
            f"{MAX_REQUESTS_PER_CALL}",
            most <= MAX_REQUESTS_PER_CALL,
        ),
        Check(
            "router overhead vs the bare client, provider answering in 200 ms",
            ratio(routed, direct),
            f"<= {MAX_ROUTER_OVERHEAD:.2f}x",
            routed / direct <= MAX_ROUTER_OVERHEAD,
        ),
    ]
    for name, sizes in report.pages.items():
        growth = statistics.median(sizes["large"]) / statistics.median(sizes["small"])
        found.append(
            Check(
                f"cost page {name}: {LARGE:,} calls vs {SMALL}",
                f"{growth:.2f}x",
                f"<= {MAX_HISTORY_GROWTH:.1f}x",
                growth <= MAX_HISTORY_GROWTH,
            )
        )
    return found


if __name__ == "__main__":
    print(json.dumps(_child(int(sys.argv[1]))))

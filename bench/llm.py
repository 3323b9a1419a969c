"""(e) The LLM path's own costs: the router's bookkeeping, and cost pages against history.

Router: the same phase request answered by the template generator directly, and through
`Router.complete` (budget check, circuit breaker, ledger transaction, alerts) over emulated
DynamoDB; medians compared, interleaved. Cost pages: a team with 10 recorded calls and one
with 10,000 over the same days, agents and providers, each page read again and again;
medians compared. Runs in its own interpreter (`python -m bench.llm`) so its emulated AWS
stays its own.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import run_child
from bench.report import Check, Table, ratio

MAX_ROUTER_OVERHEAD = 1.3
MAX_HISTORY_GROWTH = 1.2
PAGES = ("summary", "daily 30 days", "by agent", "by provider")
SMALL, LARGE = 10, 10_000


@dataclass(frozen=True, slots=True)
class LlmReport:
    direct: list[float]
    routed: list[float]
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
    from functions.pipeline.targets.generator import render
    from shared.llm.providers.templates import TemplateProvider
    from shared.llm.router import CallContext, Router, Target
    from shared.settings import get_settings
    from tools.local.emulator import emulated_aws

    results: dict[str, Any] = {"direct": [], "routed": [], "pages": {}}
    with emulated_aws(get_settings()):
        request = _phase_request()
        provider = TemplateProvider("templates", renderer=render)
        router = Router(clients=lambda team_id, name: provider)
        call = CallContext(team_id="bench-router", user_id="bench-user", agent_id="architect")
        for _ in range(3):  # warm: imports, the emulator's first writes
            provider.complete(request)
            router.complete(call, Target("templates"), request)
        for _ in range(rounds):
            results["direct"].append(_timed(lambda: provider.complete(request)))
            results["routed"].append(
                _timed(lambda: router.complete(call, Target("templates"), request))
            )

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


def measure(rounds: int = 60) -> LlmReport:
    data = run_child("bench.llm", str(rounds))
    return LlmReport(data["direct"], data["routed"], data["pages"])


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def table(report: LlmReport) -> Table:
    out = Table(
        "LLM path: router bookkeeping, cost pages against history (median of rounds)",
        ["measure", "median", "vs"],
    )
    direct, routed = statistics.median(report.direct), statistics.median(report.routed)
    out.rows.append(["template generator called directly", _ms(direct), ""])
    out.rows.append(["the same through the router", _ms(routed), ratio(routed, direct)])
    for name, sizes in report.pages.items():
        small, large = statistics.median(sizes["small"]), statistics.median(sizes["large"])
        out.rows.append([f"{name}, {SMALL} calls recorded", _ms(small), ""])
        out.rows.append([f"{name}, {LARGE:,} calls recorded", _ms(large), ratio(large, small)])
    out.notes.append(
        "Router: one architect-phase request of a web job, answered by the template generator; "
        "through the router it also passes the budget check, the circuit breaker and the "
        "ledger transaction with its rollups, on emulated DynamoDB (moto, in process). Cost "
        "pages: the service calls behind /costs/summary, /costs/daily?days=30, "
        "/costs/by-agent and /costs/by-provider."
    )
    return out


def checks(report: LlmReport) -> list[Check]:
    direct, routed = statistics.median(report.direct), statistics.median(report.routed)
    found = [
        Check(
            "router overhead vs calling the template generator directly",
            ratio(routed, direct),
            f"<= {MAX_ROUTER_OVERHEAD:.1f}x",
            routed / direct <= MAX_ROUTER_OVERHEAD,
        )
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

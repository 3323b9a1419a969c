"""(n) Deployed agents on the local runtime, in an interpreter of its own over emulated AWS
(`python -m bench.deployments <calls> <big>`):

- Warm calls: a trivial code agent (it adds two numbers) created and deployed through the
  agents group's routes, then `POST /rest/<name>` through the local gateway, one call at a
  time after a warm-up: the deployment's lookup, its rate limit and monthly counter, the
  agent read, the run in the sandbox worker (its child process, as `make dev` runs it), the
  ledger entry. p50 and p99, and the p50 as a ratio to the same function run in-process.
- Flat lookup: the deployment's lookup by name (`shared.deployments.store.get_by_name`,
  what every call does first) with 10 deployments stored and with `<big>`, p50 of each,
  over moto and with its AWS answers replayed to botocore; and what it reads (one GetItem
  of one item, whatever the number of deployments).
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench.common import percentile, run_child
from bench.report import Check, Table, ms, us

MAX_GROWTH = 1.2  # lookup p50 with the big table over p50 with the small one
SMALL = 10
DEFAULT_BIG = 10_000
DEFAULT_CALLS = 200
WARMUP = 20
PAUSE_SECONDS = 0.05
RATE_LIMIT = 60  # a minute: the deploy's default
LOOKUPS = 400
BLOCK = 50
NAME = "bench-adder"
CODE = "def run(input_dict, tools):\n    return {'sum': input_dict['a'] + input_dict['b']}\n"
INPUT = {"a": 1, "b": 2}
EXPECTED = {"sum": 3}
USER = "benchdeployuser"
TEAM = "bench-deployments-team"


def _environment() -> Any:
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": "factory-bench-deployments",
            "ARTIFACTS_BUCKET": "factory-bench-deployments-artifacts",
            "EVENT_BUS_NAME": "factory-bench-deployments-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from shared.settings import get_settings

    return get_settings()


def _deploy(http: Any, headers: dict[str, str]) -> str:
    """The agent created and deployed through the routes (public, no quota, the default
    rate limit): its friendly name."""
    created = http.post(
        "/api/v1/agents",
        headers=headers,
        json={"name": "Bench adder", "code": CODE, "llm_provider": "templates"},
    )
    if created.status_code != 201:
        raise RuntimeError(f"POST /agents answered {created.status_code}: {created.text}")
    deployed = http.post(
        f"/api/v1/agents/{created.json()['id']}/deploy",
        headers=headers,
        json={
            "friendly_name": NAME,
            "public": True,
            "monthly_quota": None,
            "rate_limit_per_minute": RATE_LIMIT,
        },
    )
    if deployed.status_code != 201:
        raise RuntimeError(f"deploy answered {deployed.status_code}: {deployed.text}")
    return str(deployed.json()["friendly_name"])


def _call(http: Any, name: str) -> float:
    started = time.perf_counter()
    answer = http.post(f"/api/v1/rest/{name}", json=INPUT)
    elapsed = time.perf_counter() - started
    if answer.status_code != 200 or answer.json() != EXPECTED:
        raise RuntimeError(f"POST /rest/{name} answered {answer.status_code}: {answer.text}")
    return elapsed


def _fill(first: int, count: int) -> None:
    """Other teams' deployments stored as the store stores them (the name item), in
    batches: deploying them one request at a time would only time the filling."""
    from shared.deployments.models import NAME_CLAIM, DeploymentItem, name_key, team_list_key
    from shared.ids import utcnow

    now = utcnow()
    with DeploymentItem.batch_write() as batch:
        for index in range(first, first + count):
            name = f"other-{index:06d}"
            team = f"bench-other-{index % 100}"
            batch.save(
                DeploymentItem(
                    name_key(name),
                    NAME_CLAIM,
                    team_id=team,
                    agent_id=f"AGENT{index:06d}",
                    friendly_name=name,
                    public=True,
                    url=f"http://testserver/api/v1/rest/{name}",
                    monthly_quota=None,
                    rate_limit_per_minute=60,
                    created_at=now,
                    gsi1pk=team_list_key(team),
                    gsi1sk=f"{now.isoformat()}#{name}",
                )
            )


def _lookup_time(name: str) -> float:
    from shared.deployments.store import get_by_name

    started = time.perf_counter()
    found = get_by_name(name)
    elapsed = time.perf_counter() - started
    if found is None:
        raise RuntimeError(f"the deployment {name} was not found")
    return elapsed


def _recorded(answers: Any, name: str) -> dict[str, Any]:
    """The lookup over moto (p50, the table as it is now) and its AWS answers recorded:
    the requests and the items they read."""
    from shared.deployments.store import get_by_name

    for _ in range(WARMUP):
        _lookup_time(name)
    moto = statistics.median(_lookup_time(name) for _ in range(LOOKUPS))
    answers.record(lambda: get_by_name(name))
    operations = [operation for operation, _ in answers.parsed]
    return {
        "moto": moto,
        "sent": answers.sent,
        "parsed": answers.parsed,
        "requests": len(operations),
        "operations": ",".join(sorted(set(operations))),
        "read": sum(
            int(parsed.get("ScannedCount", 0)) + (1 if "Item" in parsed else 0)
            for _, parsed in answers.parsed
            if isinstance(parsed, dict)
        ),
    }


def _replayed(answers: Any, name: str, worlds: dict[str, dict[str, Any]]) -> None:
    """Each world's recorded answers replayed to botocore, in blocks taken in turn (the
    machine's noise falls on both alike): its p50 and the requests not answered from the
    recording (misses)."""
    times: dict[str, list[float]] = {label: [] for label in worlds}
    misses = dict.fromkeys(worlds, 0)
    for _ in range(LOOKUPS // BLOCK):
        for label, world in worlds.items():
            answers.sent, answers.parsed = world["sent"], world["parsed"]
            before = answers.misses
            for _ in range(BLOCK):
                with answers.replaying("botocore"):
                    times[label].append(_lookup_time(name))
            misses[label] += answers.misses - before
    for label, world in worlds.items():
        world["replayed"] = statistics.median(times[label])
        world["misses"] = misses[label]
        del world["sent"], world["parsed"]


def _drive_calls_clock() -> None:
    """The calls' clock advanced by 60 / RATE_LIMIT seconds per call: the deployment called
    at its limit, its sliding log (RATE_LIMIT to twice as many times) in its steady state.
    With real time the calls would be refused past RATE_LIMIT a minute; with a limit
    raised to let them through, the log would grow with every call timed."""
    from shared.deployments import calls

    started = calls.utcnow()
    ticks = itertools.count()
    step = timedelta(seconds=60 / RATE_LIMIT)
    calls.utcnow = lambda: started + next(ticks) * step  # type: ignore[assignment]


def _in_process() -> list[float]:
    from bench.sandbox import _in_process as once

    return [once() for _ in range(500)]


def _deployments_child(calls: int, big: int) -> dict[str, Any]:
    settings = _environment()
    from fastapi.testclient import TestClient

    from bench.events import RecordedAnswers
    from shared.auth.principal import Principal
    from shared.auth.tokens import issue_token
    from shared.sandbox import runner
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import LocalGateway, register_group_functions

    lookups: dict[str, dict[str, Any]] = {}
    with emulated_aws(settings):
        register_group_functions(settings)
        token = issue_token(Principal(USER, TEAM, "admin"), ttl_seconds=3600)
        headers = {"Authorization": f"Bearer {token}"}
        try:
            with TestClient(LocalGateway()) as http:  # type: ignore[arg-type]
                name = _deploy(http, headers)
                _drive_calls_clock()
                for _ in range(WARMUP):
                    _call(http, name)
                back_to_back = [_call(http, name) for _ in range(calls)]
                latencies = []
                for _ in range(calls):
                    time.sleep(PAUSE_SECONDS)  # the sandbox's spare child starts off the path
                    latencies.append(_call(http, name))
        finally:
            runner.discard_spare()
        # The same table, holding SMALL deployments then `big`: the lookup must not care.
        answers = RecordedAnswers().install()
        _fill(0, SMALL - 1)
        lookups["small"] = _recorded(answers, name)
        _fill(SMALL - 1, big - SMALL)
        lookups["big"] = _recorded(answers, name)
        _replayed(answers, name, lookups)
    return {
        "latencies": latencies,
        "back_to_back": back_to_back,
        "in_process": _in_process(),
        "lookups": lookups,
        "big": big,
    }


@dataclass(frozen=True, slots=True)
class DeploymentsReport:
    latencies: list[float]
    back_to_back: list[float]
    in_process: list[float]
    lookups: dict[str, dict[str, Any]]
    big: int


def measure(calls: int = DEFAULT_CALLS, big: int = DEFAULT_BIG) -> DeploymentsReport:
    found = run_child("bench.deployments", str(calls), str(big))
    return DeploymentsReport(
        found["latencies"],
        found["back_to_back"],
        found["in_process"],
        found["lookups"],
        found["big"],
    )


def table(report: DeploymentsReport) -> Table:
    base = statistics.median(report.in_process)
    out = Table(
        "Deployments: POST /rest/{name} warm, local runtime; lookup by name, 10 vs "
        f"{report.big} deployments",
        ["measure", "p50", "p99", "p50 / in-process"],
    )
    out.rows.append(
        [
            "the agent's function in-process: compile, run, result as JSON",
            us(base),
            us(percentile(report.in_process, 99)),
            "1x",
        ]
    )
    for label, values in (
        ("spare ready", report.latencies),
        ("back to back", report.back_to_back),
    ):
        p50 = statistics.median(values)
        out.rows.append(
            [
                f"POST /rest/{{name}}, a trivial public agent, {label} ({len(values)} calls)",
                ms(p50),
                ms(percentile(values, 99)),
                f"{p50 / base:.0f}x",
            ]
        )
    small, big = report.lookups["small"], report.lookups["big"]
    for mode, how in (("replayed", "answers replayed to botocore"), ("moto", "over moto")):
        out.rows.append([f"lookup by name, {SMALL} deployments, {how}", us(small[mode]), "", ""])
        out.rows.append(
            [
                f"lookup by name, {report.big} deployments, {how} ({big[mode] / small[mode]:.2f}x)",
                us(big[mode]),
                "",
                "",
            ]
        )
    out.rows.append(
        [
            f"lookup: requests / items read, {SMALL} vs {report.big} deployments",
            f"{small['requests']:.0f} {small['operations']} / {small['read']:.0f} vs "
            f"{big['requests']:.0f} {big['operations']} / {big['read']:.0f}",
            "",
            "",
        ]
    )
    out.notes.append(
        "POST /rest/{name} through the local gateway in process, one call at a time after "
        f"{WARMUP} untimed ones, the deployment's clock advanced {60 / RATE_LIMIT:.0f} s "
        f"per call (called at its default limit, {RATE_LIMIT} a minute: its sliding log "
        "in its steady state): the name's GetItem, the rate limit's sliding log, the "
        "month's counter (a conditional ADD), the agent's GetItem, the run in the sandbox "
        "worker (emulated Lambda in process: the runner's child process), the ledger's "
        f"entry; all over moto. Spare ready: {PAUSE_SECONDS * 1000:.0f} ms between calls, "
        "in which the runner starts the next child, as for calls not back to back; back to "
        "back: each call also waits for the child the previous one started. The ratio is "
        "to the agent's function compiled and run in this process, the sandbox section's "
        "baseline. "
        "Profiled, most of a call's time here is moto's (the ledger entry's "
        "TransactWriteItems above all), the sandbox run a few ms of it. "
        "Deployed, a call adds the synchronous Lambda invoke of the sandbox (tens of ms "
        "warm) and DynamoDB's network round trips (a few ms each) in place of moto's."
    )
    out.notes.append(
        "The lookup is `shared.deployments.store.get_by_name`, the first step of every call: "
        f"{LOOKUPS} lookups with {SMALL} deployments in the table, then again after filling "
        f"it to {report.big} (other teams' name items, batch-written). A GetItem by the name "
        "as key reads one item whatever the table holds; the check uses the replayed figure "
        "(moto's work left out, as DynamoDB's would be) and the items read."
    )
    return out


def checks(report: DeploymentsReport) -> list[Check]:
    small, big = report.lookups["small"], report.lookups["big"]
    growth = big["replayed"] / small["replayed"]
    flat = (
        big["requests"] == small["requests"] == 1
        and big["read"] <= 1
        and not (big["misses"] or small["misses"])
    )
    return [
        Check(
            f"deployment lookup p50, {report.big} deployments vs {SMALL} (answers replayed "
            "to botocore)",
            f"{growth:.2f}x (over moto {big['moto'] / small['moto']:.2f}x; items read "
            f"{small['read']:.0f} vs {big['read']:.0f})",
            f"<= {MAX_GROWTH}x, one GetItem reading one item",
            growth <= MAX_GROWTH and flat,
        ),
    ]


if __name__ == "__main__":
    count, size = (int(value) for value in sys.argv[1:3])
    print(json.dumps(_deployments_child(count, size)))

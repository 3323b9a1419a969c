"""(o) IP rules on the warm path, in an interpreter of its own over emulated AWS
(`python -m bench.ip_rules <calls>`):

- Authed read: `GET /api/v1/auth/me` with a member's access token through the auth
  group's Lambda handler (Mangum, an API Gateway event from 192.0.2.10), for a team with no
  IP rules and for one with 1,000 (allow rules that hold the caller, among block rules
  that do not: the whole decision is made), in interleaved blocks after a warm-up; p50 and
  p99 of each, and the ratio of the p50s (target <= 1.1x).
- The check alone: `RuleSet.permits` over the 1,000 rules, per call; and compiling them
  (what a container pays once per freshness window when it reads them again).
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench.common import percentile, run_child
from bench.report import Check, Table, us

MAX_RATIO = 1.1
RULES = 1000
ALLOW_RULES = 10
DEFAULT_CALLS = 4000
BLOCK = 100
WARMUP = 300
CHECKS = 100_000
CALLER = "192.0.2.10"  # bench.lambda_event's sourceIp
TEAMS = {"none": "bench-ip-rules-none", "many": "bench-ip-rules-many"}


def _environment() -> Any:
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": "factory-bench-ip-rules",
            "ARTIFACTS_BUCKET": "factory-bench-ip-rules-artifacts",
            "EVENT_BUS_NAME": "factory-bench-ip-rules-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from shared.settings import get_settings

    return get_settings()


def _networks(count: int) -> list[tuple[str, str]]:
    """`count` rules: ALLOW_RULES allow rules (the caller's /24 among them) and block rules
    over IPv4 and IPv6, none holding the caller, so its check walks to the allow rule."""
    rng = random.Random(16)  # noqa: S311 - reproducible rules, no secret
    caller = ipaddress.ip_address(CALLER)
    rules: list[tuple[str, str]] = [("192.0.2.0/24", "allow")]
    seen = {rules[0][0]}
    while len(rules) < count:
        allow = len(rules) < ALLOW_RULES
        if rng.random() < 0.6:
            length = rng.randint(12, 32)
            network: Any = ipaddress.ip_network((rng.getrandbits(32), length), strict=False)
        else:
            length = rng.randint(24, 128)
            network = ipaddress.ip_network((rng.getrandbits(128), length), strict=False)
        if caller in network or str(network) in seen:
            continue
        seen.add(str(network))
        rules.append((str(network), "allow" if allow else "block"))
    return rules


def _ip_rules_child(calls: int) -> dict[str, Any]:
    settings = _environment()
    from bench.lambda_event import FakeContext, http_event
    from shared.auth.principal import Principal
    from shared.auth.tokens import issue_token
    from shared.ids import utcnow
    from shared.ip_rules import guard, store
    from shared.ip_rules.domain import IpRule
    from tools.local.emulator import emulated_aws

    rules = [
        IpRule(f"RULE{index:04d}", cidr, action, "", utcnow())  # type: ignore[arg-type]
        for index, (cidr, action) in enumerate(_networks(RULES))
    ]
    with emulated_aws(settings):
        store.save_rules(TEAMS["many"], rules, version=0, by="bench", at=utcnow())
        from functions.auth.handler import handler

        context = FakeContext()
        events = {
            label: http_event(
                "GET",
                "/api/v1/auth/me",
                headers={
                    "authorization": "Bearer "
                    + issue_token(Principal("benchmember", team, "member"), ttl_seconds=3600)
                },
            )
            for label, team in TEAMS.items()
        }

        def once(label: str) -> int:
            started = time.perf_counter_ns()
            answer = handler(events[label], context)
            elapsed = time.perf_counter_ns() - started
            if answer["statusCode"] != 200:
                raise RuntimeError(f"{label}: GET /auth/me answered {answer['statusCode']}")
            return elapsed

        for label in TEAMS:
            for _ in range(WARMUP):
                once(label)
        times: dict[str, list[int]] = {label: [] for label in TEAMS}
        order = list(TEAMS)
        for _ in range(max(1, calls // BLOCK)):
            for label in order:
                times[label] += [once(label) for _ in range(BLOCK)]
            order.reverse()  # neither world always goes first

        # The same request from a blocked address: refused, the rules really apply.
        blocked = json.loads(json.dumps(events["many"]))
        blocked["requestContext"]["http"]["sourceIp"] = "198.51.100.1"
        refused = handler(blocked, context)["statusCode"]

        compiled = guard.load(TEAMS["many"])
        started = time.perf_counter_ns()
        for _ in range(CHECKS):
            compiled.permits(CALLER)
        check_ns = (time.perf_counter_ns() - started) / CHECKS
        compile_runs = []
        for _ in range(20):
            started = time.perf_counter_ns()
            guard.compile_rules(rules)
            compile_runs.append(time.perf_counter_ns() - started)
    return {
        "times": times,
        "refused": refused,
        "check_ns": check_ns,
        "compile_ns": statistics.median(compile_runs),
    }


@dataclass(frozen=True, slots=True)
class IpRulesReport:
    times: dict[str, list[int]]
    refused: int
    check_ns: float
    compile_ns: float


def measure(calls: int = DEFAULT_CALLS) -> IpRulesReport:
    found = run_child("bench.ip_rules", str(calls))
    return IpRulesReport(found["times"], found["refused"], found["check_ns"], found["compile_ns"])


def _p50(values: list[int]) -> float:
    return statistics.median(values) / 1e9


def table(report: IpRulesReport) -> Table:
    none, many = report.times["none"], report.times["many"]
    out = Table(
        f"IP rules: authed read warm, a team with 0 vs {RULES} rules",
        ["measure", "p50", "p99", "p50 / no rules"],
    )
    for label, values, ratio in (
        ("no IP rules", none, "1x"),
        (f"{RULES} IP rules", many, f"{_p50(many) / _p50(none):.2f}x"),
    ):
        out.rows.append(
            [
                f"GET /auth/me through the auth handler, {label} ({len(values)} calls)",
                us(_p50(values)),
                us(percentile(values, 99) / 1e9),
                ratio,
            ]
        )
    out.rows.append(
        [f"the check alone, {RULES} rules (RuleSet.permits)", f"{report.check_ns:.0f} ns", "", ""]
    )
    out.rows.append(
        [
            f"compiling {RULES} rules (once per container and window)",
            us(report.compile_ns / 1e9),
            "",
            "",
        ]
    )
    out.notes.append(
        "A member's access token (cached after its first check) on `GET /api/v1/auth/me`, the "
        "cheapest authenticated read, through `functions.auth.handler.handler` with an API "
        f"Gateway HTTP API event from {CALLER}, in blocks of {BLOCK} taken in turn after "
        f"{WARMUP} untimed calls each; over moto. The {RULES} rules are {ALLOW_RULES} allow "
        "rules (the caller's /24 among them) and block rules of random IPv4 and IPv6 networks "
        "that do not hold the caller: its check is decided by the allow rule. The team's "
        "compiled rules are kept per container for shared.ip_rules.guard.FRESH_SECONDS, then "
        "read again (one GetItem) and compiled: a longer run pays that once per window. The "
        f"same request from a blocked address answered {report.refused}."
    )
    return out


def checks(report: IpRulesReport) -> list[Check]:
    ratio = _p50(report.times["many"]) / _p50(report.times["none"])
    return [
        Check(
            f"authed read p50, a team with {RULES} IP rules vs none (warm)",
            f"{ratio:.2f}x (check alone {report.check_ns:.0f} ns)",
            f"<= {MAX_RATIO}x",
            ratio <= MAX_RATIO and report.refused == 403,
        )
    ]


if __name__ == "__main__":
    print(json.dumps(_ip_rules_child(int(sys.argv[1]))))

"""``python -m bench``: run every benchmark, print the tables, rewrite BENCHMARKS.md.

The exit code is 0 whether targets pass or miss (this is a report, not a gate); it is
non-zero only when a benchmark could not run at all (a handler that fails to import, say).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import time
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    chat,
    deployments,
    events,
    exports,
    imports,
    ip_rules,
    knowledge,
    live,
    llm,
    notifications,
    pipeline,
    products,
    sandbox,
    sizes,
    support,
    tasks,
    trigger_rules,
    triggers,
    warm,
    workflows,
)
from bench.common import REPO_ROOT
from bench.report import Check, Table, checks_table

# Below these the figures are too noisy to publish: a smaller run prints but does not write.
MIN_ROUNDS = 15
MIN_CALLS = 2000
SECTIONS = (
    "imports",
    "warm",
    "sizes",
    "pipeline",
    "llm",
    "events",
    "triggers",
    "notifications",
    "live",
    "chat",
    "tasks",
    "workflows",
    "sandbox",
    "deployments",
    "knowledge",
    "ip_rules",
    "exports",
    "products",
    "support",
)


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=21, help="fresh interpreters per module")
    parser.add_argument(
        "--nopyc-rounds", type=int, default=5, help="rounds without bytecode (0: skip)"
    )
    parser.add_argument("--calls", type=int, default=4000, help="timed warm calls per scenario")
    parser.add_argument("--block", type=int, default=100, help="warm calls per interleaved block")
    parser.add_argument(
        "--rewarm", type=int, default=warm.REWARM, help="untimed calls before each warm block"
    )
    parser.add_argument("--processes", type=int, default=2, help="warm workers per scenario")
    parser.add_argument("--warmup", type=int, default=300, help="untimed warm calls first")
    parser.add_argument("--jobs", type=int, default=5, help="generation jobs timed (pipeline)")
    parser.add_argument(
        "--events", type=int, default=200, help="events published end to end (events)"
    )
    parser.add_argument(
        "--fires", type=int, default=50, help="schedule fires timed end to end (triggers)"
    )
    parser.add_argument(
        "--rule-calls", type=int, default=400, help="events matched per world (triggers)"
    )
    parser.add_argument(
        "--tickets", type=int, default=50, help="chat tickets timed end to end (chat)"
    )
    parser.add_argument("--tasks", type=int, default=50, help="tasks timed end to end (tasks)")
    parser.add_argument(
        "--team-tasks", type=int, default=10_000, help="tasks of the big team (tasks)"
    )
    parser.add_argument(
        "--workflow-runs", type=int, default=10, help="10-step workflow runs timed (workflows)"
    )
    parser.add_argument(
        "--sandbox-runs", type=int, default=100, help="trivial agents run in the sandbox"
    )
    parser.add_argument(
        "--rest-calls", type=int, default=200, help="POST /rest/{name} calls timed (deployments)"
    )
    parser.add_argument(
        "--deployments",
        type=int,
        default=10_000,
        help="deployments stored for the flat lookup (deployments)",
    )
    parser.add_argument(
        "--kb-entries",
        type=int,
        default=knowledge.DEFAULT_BIG,
        help=f"entries of the big team, against {knowledge.SMALL} (knowledge)",
    )
    parser.add_argument(
        "--export-records",
        type=int,
        default=exports.DEFAULT_BIG,
        help=f"cost records of the big export, against {exports.DEFAULT_SMALL} (exports)",
    )
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only these")
    parser.add_argument("--no-write", action="store_true", help="leave BENCHMARKS.md alone")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "BENCHMARKS.md")
    return parser.parse_args(argv)


def _command(argv: Sequence[str]) -> str:
    """The command as typed from the repository root (the venv's python, relative)."""
    executable = sys.executable
    if Path(executable).is_relative_to(REPO_ROOT):
        executable = os.path.relpath(executable, REPO_ROOT)
    return shlex.join([executable, "-m", "bench", *argv])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> dict[str, str]:
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": f"{_cpu_model()} ({platform.machine()})",
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        # Other work on the machine is the main source of noise: record how busy it was.
        "load": f"{os.getloadavg()[0]:.2f}",
    }


def markdown(
    tables: list[Table], checks: list[Check], info: dict[str, str], command: str, seconds: float
) -> str:
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    met = sum(check.ok is True for check in checks)
    missed = sum(check.ok is False for check in checks)
    skipped = len(checks) - met - missed
    parts = [
        "# Benchmarks",
        "",
        "Generated by `bench/` (`make bench`); do not edit by hand, rerun it. Timings on a "
        "shared machine are noisy, so every time is judged as a ratio against a baseline "
        "measured in the same run.",
        "",
        f"- Date: {date}",
        f"- Machine: nproc {info['nproc']}, {info['cpu']}, {info['os']}",
        f"- Python: {info['python']}",
        f"- Command: `{command}` (from the repository root; `make bench` runs it)",
        f"- Run time: {seconds:.0f} s",
        f"- Load average (1 min) at start and at end: {info['load']}, {info['load_end']} "
        "(other work on the machine is the main source of noise)",
        f"- Result: {met} of {len(checks)} targets met"
        + (f", **{missed} missed**" if missed else "")
        + (f", {skipped} not measured" if skipped else ""),
        "",
        "## Baselines",
        "",
        "- **B0** `bench/baselines/hello_b0.py`: bare FastAPI + Mangum, one `async def` GET "
        'route returning a small dict, `Mangum(app, lifespan="off")`.',
        "- **B1** `bench/baselines/hello_b1.py`: B0 plus `import boto3` and "
        "`from pynamodb.models import Model`, the irreducible cost of a group that stores data.",
        "",
        "## Results",
        "",
        checks_table(checks).to_markdown(),
        "",
    ]
    for table in tables:
        parts += [table.to_markdown(), ""]
    parts += [
        "## Method",
        "",
        "- Import time: each handler module (every group in `functions/registry.py`) and B0/B1 "
        "imported in fresh interpreters (`python -c`), timing `importlib.import_module()` with "
        "`time.perf_counter()`; `APP_ENV=test`, `AWS_LAMBDA_FUNCTION_NAME` unset; one "
        "unmeasured import each first (bytecode cache written), then rounds in shuffled order. "
        "The modules of dependency layers a function does not get are made unimportable in "
        "its interpreter (`tools/absent_layers.py`), as in Lambda; the baselines get none. "
        "Medians are compared. The no-bytecode table repeats this (fewer rounds) with every "
        ".pyc outside the standard library ignored: what a Lambda cold start would cost if "
        "the zips carried no bytecode (/var/task and /opt are read-only, so nothing is "
        "cached). The layer and function zips do ship CPython 3.12 bytecode "
        "(`layers/build.py`, `infra/packaging.py`), so the with-.pyc figures are the "
        "deployed case.",
        "- Warm time: `handler(event, context)` with an API Gateway HTTP API (payload 2.0) "
        "event and a stand-in Lambda context, each scenario (`bench/scenarios.py`) in its own "
        "process (two processes per scenario, pooled), after a warm-up, in small blocks taken "
        "in turn, each block after a few untimed calls (a worker resuming finds its CPU caches "
        "evicted by the others: an artefact of taking turns, kept out of the p99); per-call p50 "
        "and p99 (nearest rank). Powertools' "
        '"No application metrics to publish" warning is filtered; logs go to /dev/null. '
        "Mangum lifespan cycles are counted over every call.",
        "- Sizes: `layers/build/python/` (file sizes summed) and `layers/build/dependencies.zip`; "
        "each function staged by `infra.packaging.stage_function` and zipped in memory. "
        "Lambda's limits count a function together with its layers, hence layer + function.",
        "- Pipeline: `bench/pipeline.py` in its own interpreter over emulated AWS: a web job "
        "through the real state machine on the local Step Functions interpreter, and the same "
        "worker actions called directly in sequence, interleaved after one warm-up job; "
        "medians compared.",
        "- Events: `bench/events.py` over emulated AWS: the fan-out worker's handler in two "
        "warm processes (1 matching endpoint among 10 or 10,000 others) taking turns; "
        "`/hooks/{id}` and health through their handlers in one process, interleaved; both "
        "timed over moto, with moto's recorded answers replayed to botocore (the targets), "
        "and replayed past botocore (see the table's notes for why); events published to a "
        "loopback receiver on the local runtime with its pump thread running.",
        "- Deployments: `bench/deployments.py` in its own interpreter over emulated AWS: a "
        "trivial code agent created and deployed through the routes, then `POST /rest/{name}` "
        "through the local gateway one call at a time (its sandbox run in the runner's child "
        "process); the lookup by name with 10 and then 10,000 deployments stored, its "
        "recorded answers replayed to botocore in blocks taken in turn; medians compared.",
        "- Knowledge: `bench/knowledge.py` in its own interpreter over emulated AWS: a team "
        "of 100 entries and one of 100,000, each index loaded in bulk through the indexer's "
        "rebuild plus 20 entries through POST /knowledge and the indexer (a base and a "
        "delta); `GET /knowledge?search=` through the local gateway with two words of one "
        "of the team's entries, in interleaved blocks; medians compared.",
        "- IP rules: `bench/ip_rules.py` in its own interpreter over emulated AWS: `GET "
        "/api/v1/auth/me` with a member's token through the auth group's handler, for a team "
        "with no IP rules and one with 1,000, in interleaved blocks after a warm-up; medians "
        "compared; and the rule check alone.",
        "- Exports: `bench/exports.py` in its own interpreter over emulated AWS: a csv export "
        "of the cost ledger, 10,000 calls (stored by batch writes, exported over moto once, "
        "its answers recorded) vs 100,000 (its Query pages built in the wire format moto "
        "answered, checked against the small team's), timed with the answers replayed to "
        "botocore, its peak memory traced (tracemalloc) from the export's start.",
        "- Products: `bench/products.py` in its own interpreter over emulated AWS: the "
        "storefront with 10 listed products, then 10,000 (written as the store lists them); "
        "`GET /products` (newest, and one category by name) through the local gateway, over "
        "moto and with its recorded answers replayed to botocore; medians compared.",
        "- New route groups are picked up from the registry (import time, sizes). To time "
        "another route warm (an authenticated one, say), add a `Scenario` to "
        "`bench/scenarios.py`; its optional `setup` hook can seed data and return headers.",
        "",
    ]
    return "\n".join(parts)


def main(argv: Sequence[str] = sys.argv[1:]) -> int:
    args = _parse(argv)
    info = machine()
    only = set(args.only or SECTIONS)
    # The sizes step imports infra.packaging in this process: keep Powertools quiet here too.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    started = time.perf_counter()
    tables: list[Table] = []
    checks: list[Check] = []
    if "imports" in only:
        print(f"import time: {args.rounds} rounds ...", file=sys.stderr, flush=True)
        import_results = imports.measure(args.rounds)
        tables.append(imports.table(import_results))
        checks += imports.checks(import_results)
        if args.nopyc_rounds > 0:
            print(f"import time without bytecode: {args.nopyc_rounds} rounds ...", file=sys.stderr)
            uncached = imports.measure(args.nopyc_rounds, bytecode=False)
            tables.append(imports.bytecode_table(import_results, uncached))
    if "warm" in only:
        print(f"warm path: {args.calls} calls per scenario ...", file=sys.stderr, flush=True)
        warm_results = warm.measure(
            args.calls,
            block=args.block,
            warmup=args.warmup,
            processes=args.processes,
            rewarm=args.rewarm,
        )
        tables.append(warm.table(warm_results))
        checks += warm.checks(warm_results)
    if "sizes" in only:
        print("sizes ...", file=sys.stderr, flush=True)
        size_report = sizes.measure()
        tables.append(sizes.table(size_report))
        checks += sizes.checks(size_report)
    if "pipeline" in only:
        print(f"pipeline: {args.jobs} jobs ...", file=sys.stderr, flush=True)
        pipeline_report = pipeline.measure(args.jobs)
        tables.append(pipeline.table(pipeline_report))
        checks += pipeline.checks(pipeline_report)
    if "llm" in only:
        print("llm: router and cost pages ...", file=sys.stderr, flush=True)
        llm_report = llm.measure()
        tables.append(llm.table(llm_report))
        checks += llm.checks(llm_report)
    if "events" in only:
        print(f"events: fan-out, hooks, {args.events} deliveries ...", file=sys.stderr, flush=True)
        events_report = events.measure(deliveries=args.events)
        tables.append(events.table(events_report))
        checks += events.checks(events_report)
    if "triggers" in only:
        print(f"triggers: {args.fires} schedule fires, rule matching ...", file=sys.stderr)
        fires_report = triggers.measure(args.fires)
        tables.append(triggers.table(fires_report))
        checks += triggers.checks(fires_report)
        rules_report = trigger_rules.measure(args.rule_calls)
        tables.append(trigger_rules.table(rules_report))
        checks += trigger_rules.checks(rules_report)
    if "notifications" in only:
        print(f"notifications: {args.events} events to the inbox ...", file=sys.stderr)
        inbox_report = notifications.measure(args.events)
        tables.append(notifications.table(inbox_report))
        checks += notifications.checks(inbox_report)
    if "live" in only:
        print(f"live: {args.events} events to a WebSocket ...", file=sys.stderr)
        live_report = live.measure(args.events)
        tables.append(live.table(live_report))
        checks += live.checks(live_report)
    if "chat" in only:
        print(f"chat: {args.tickets} tickets, POST -> result ...", file=sys.stderr)
        chat_report = chat.measure(args.tickets)
        tables.append(chat.table(chat_report))
        checks += chat.checks(chat_report)
    if "tasks" in only:
        print(f"tasks: {args.tasks} tasks, created -> result; lists ...", file=sys.stderr)
        tasks_report = tasks.measure(args.tasks, big=args.team_tasks)
        tables.append(tasks.table(tasks_report))
        checks += tasks.checks(tasks_report)
    if "workflows" in only:
        print(f"workflows: {args.workflow_runs} runs vs steps run directly ...", file=sys.stderr)
        workflows_report = workflows.measure(args.workflow_runs)
        tables.append(workflows.table(workflows_report))
        checks += workflows.checks(workflows_report)
    if "sandbox" in only:
        print(f"sandbox: {args.sandbox_runs} runs vs in-process ...", file=sys.stderr)
        sandbox_report = sandbox.measure(args.sandbox_runs)
        tables.append(sandbox.table(sandbox_report))
        checks += sandbox.checks(sandbox_report)
    if "deployments" in only:
        print(
            f"deployments: {args.rest_calls} calls of /rest, lookup 10 vs {args.deployments} ...",
            file=sys.stderr,
        )
        deployments_report = deployments.measure(args.rest_calls, args.deployments)
        tables.append(deployments.table(deployments_report))
        checks += deployments.checks(deployments_report)
    if "knowledge" in only:
        print(
            f"knowledge: search, {knowledge.SMALL} vs {args.kb_entries} entries ...",
            file=sys.stderr,
        )
        knowledge_report = knowledge.measure(args.kb_entries)
        tables.append(knowledge.table(knowledge_report))
        checks += knowledge.checks(knowledge_report)
    if "ip_rules" in only:
        print(f"ip_rules: authed read, 0 vs {ip_rules.RULES} rules ...", file=sys.stderr)
        ip_rules_report = ip_rules.measure(args.calls)
        tables.append(ip_rules.table(ip_rules_report))
        checks += ip_rules.checks(ip_rules_report)
    if "exports" in only:
        print(
            f"exports: csv of {exports.DEFAULT_SMALL} vs {args.export_records} cost records ...",
            file=sys.stderr,
        )
        exports_report = exports.measure(exports.DEFAULT_SMALL, args.export_records)
        tables.append(exports.table(exports_report))
        checks += exports.checks(exports_report)
    if "products" in only:
        print(
            f"products: the listing, {products.SMALL} vs {products.DEFAULT_BIG} products ...",
            file=sys.stderr,
        )
        products_report = products.measure()
        tables.append(products.table(products_report))
        checks += products.checks(products_report)
    if "support" in only:
        print(f"support: {args.tickets} messages, message -> reply ...", file=sys.stderr)
        support_report = support.measure(args.tickets)
        tables.append(support.table(support_report))
        checks += support.checks(support_report)
    seconds = time.perf_counter() - started
    info["load_end"] = f"{os.getloadavg()[0]:.2f}"
    command = _command(argv)
    print()
    print(
        f"nproc {info['nproc']}, {info['cpu']}, {info['python']}, "
        f"load {info['load']} -> {info['load_end']}; {command}; {seconds:.0f} s"
    )
    for table in [checks_table(checks), *tables]:
        print()
        print(table.to_text())
    missed = [check for check in checks if check.ok is False]
    print()
    if missed:
        print(f"MISS: {len(missed)} of {len(checks)} targets missed:")
        for check in missed:
            print(f"  MISS  {check.name}: {check.figure} (target {check.target})")
    else:
        skipped = sum(check.ok is None for check in checks)
        print(f"All {len(checks) - skipped} measured targets met ({skipped} not measured).")

    complete = only == set(SECTIONS)
    enough = args.rounds >= MIN_ROUNDS and args.calls >= MIN_CALLS
    if args.no_write:
        pass
    elif not (complete and enough):
        print(
            f"{args.output.name} not rewritten: it records full runs only "
            f"(every section, --rounds >= {MIN_ROUNDS}, --calls >= {MIN_CALLS})."
        )
    else:
        args.output.write_text(markdown(tables, checks, info, command, seconds))
        print(f"Wrote {os.path.relpath(args.output, Path.cwd())}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""(a) Cold-start import time: each handler module, and B0/B1, in fresh interpreters.

A Lambda cold start pays the import of the handler module once; interpreter start-up is the
same for every function, so only ``importlib.import_module(...)`` is timed. Every module is
imported once per round, in a freshly shuffled order, so that a noisy moment of the machine
spreads over all modules instead of landing on one.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import dataclass, field

from bench.common import B0_MODULE, B1_MODULE, REPO_ROOT, child_env, median, percentile
from bench.report import Check, Table, ms, ratio
from functions.registry import GROUPS, GROUPS_BY_NAME
from infra.specs import modules_absent_from

# Modules whose presence after the import says what the cold start paid for.
WATCHED = ("boto3", "botocore", "pynamodb", "pydantic.v1")
# Groups that must start like a bare FastAPI app: they may talk to AWS, but only lazily, so
# boto3 and PynamoDB must not be imported with the handler.
LIGHT_GROUPS = frozenset({"health"})
MAX_VS_B1 = 1.15
MAX_LIGHT_VS_B0 = 1.2

_MARK = "BENCH-IMPORT "
# Runs in each fresh interpreter. json is imported after the clock stops: it is not free,
# and a handler that already imported it must not look cheaper than one that did not.
_CHILD = """
import importlib, sys, time
{preamble}
{absent}
start = time.perf_counter()
importlib.import_module({module!r})
elapsed = time.perf_counter() - start
import json
loaded = {{name: name in sys.modules for name in {watched!r}}}
print({mark!r} + json.dumps({{"seconds": elapsed, "loaded": loaded}}), flush=True)
"""

# First lines of the child: the modules of layers the function does not get cannot be
# imported, as in Lambda (FastAPI imports email_validator whenever it is installed).
_ABSENT = """
from tools.absent_layers import hide
hide({absent!r})
"""

# Optional first lines of the child: ignore every .pyc outside the standard library, and
# write none. That is a cold start from a layer (or function zip) shipped without bytecode:
# /opt and /var/task are read-only on Lambda, so every module is compiled on every cold start.
_NO_BYTECODE = """
import os
_external = sys.modules["_frozen_importlib_external"]
_cache_from_source = _external.cache_from_source
_stdlib = os.path.dirname(os.__file__) + os.sep

def _no_bytecode(path, *args, **kwargs):
    if path.startswith(_stdlib) and "site-packages" not in path:
        return _cache_from_source(path, *args, **kwargs)
    return "/nonexistent-bench-cache/module.pyc"

_external.cache_from_source = _no_bytecode
sys.dont_write_bytecode = True
"""


@dataclass(frozen=True, slots=True)
class Subject:
    label: str
    module: str
    group: str | None = None  # the registry group, None for a baseline

    @property
    def absent_modules(self) -> tuple[str, ...]:
        spec = GROUPS_BY_NAME[self.group] if self.group else None
        return modules_absent_from(spec)


@dataclass(slots=True)
class ImportResult:
    subject: Subject
    seconds: list[float] = field(default_factory=list)
    loaded: dict[str, bool] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return median(self.seconds)


def subjects() -> list[Subject]:
    """B0, B1, then every group in the registry (new groups are picked up from there)."""
    found = [
        Subject("B0 (FastAPI + Mangum)", B0_MODULE),
        Subject("B1 (B0 + boto3, pynamodb)", B1_MODULE),
    ]
    for group in GROUPS:
        module = group.handler.rsplit(".", 1)[0]
        found.append(Subject(f"{group.name} handler", module, group.name))
    return found


def _import_once(subject: Subject, *, bytecode: bool = True) -> tuple[float, dict[str, bool]]:
    module = subject.module
    preamble = "" if bytecode else _NO_BYTECODE
    absent = _ABSENT.format(absent=sorted(subject.absent_modules))
    code = _CHILD.format(
        module=module, watched=WATCHED, mark=_MARK, preamble=preamble, absent=absent
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(_MARK)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"importing {module} failed (exit {done.returncode}):\n{done.stderr}")
    result = json.loads(lines[-1][len(_MARK) :])
    return float(result["seconds"]), {name: bool(v) for name, v in result["loaded"].items()}


def measure(
    rounds: int, *, bytecode: bool = True, seed: int = 0, progress: bool = True
) -> list[ImportResult]:
    """Median import times; with ``bytecode=False``, as if no .pyc had been shipped."""
    results = [ImportResult(subject) for subject in subjects()]
    # One unmeasured import each first: writes any missing .pyc and warms the page cache.
    for result in results:
        _, result.loaded = _import_once(result.subject)
    shuffler = random.Random(seed)  # noqa: S311 - an order to spread noise, not a secret
    for round_ in range(rounds):
        order = list(results)
        shuffler.shuffle(order)
        for result in order:
            seconds, loaded = _import_once(result.subject, bytecode=bytecode)
            result.seconds.append(seconds)
            # A module counts as imported if any run imported it (they should all agree).
            for name, present in loaded.items():
                result.loaded[name] = result.loaded.get(name, False) or present
        if progress:
            kind = "" if bytecode else " (no bytecode)"
            print(f"  imports{kind}: round {round_ + 1}/{rounds}", file=sys.stderr, flush=True)
    return results


def table(results: list[ImportResult]) -> Table:
    b0, b1 = results[0].median, results[1].median
    out = Table(
        "Import time (fresh interpreter, median)",
        ("module", "median", "p25-p75", "fastest", "vs B0", "vs B1", *WATCHED),
    )
    for result in results:
        spread = f"{ms(percentile(result.seconds, 25))} - {ms(percentile(result.seconds, 75))}"
        marks = ["yes" if result.loaded.get(name) else "no" for name in WATCHED]
        out.rows.append(
            (
                result.subject.label,
                ms(result.median),
                spread,
                ms(min(result.seconds)),
                ratio(result.median, b0),
                ratio(result.median, b1),
                *marks,
            )
        )
    runs = len(results[0].seconds)
    out.notes.append(
        f"{runs} fresh interpreters per module, interleaved in shuffled order; only "
        "importlib.import_module() is timed; ratios are of medians; fastest: the least "
        "disturbed run; boto3 ... pydantic.v1: in sys.modules afterwards."
    )
    return out


def checks(results: list[ImportResult]) -> list[Check]:
    b0, b1 = results[0].median, results[1].median
    found: list[Check] = []
    for result in results[2:]:
        name = result.subject.group
        found.append(
            Check(
                f"import {name} handler vs B1",
                ratio(result.median, b1),
                f"<= {MAX_VS_B1:.2f}x",
                result.median / b1 <= MAX_VS_B1,
            )
        )
        if name in LIGHT_GROUPS:
            found.append(
                Check(
                    f"import {name} handler vs B0",
                    ratio(result.median, b0),
                    f"<= {MAX_LIGHT_VS_B0:.2f}x",
                    result.median / b0 <= MAX_LIGHT_VS_B0,
                )
            )
            heavy = [name for name in ("boto3", "pynamodb") if result.loaded.get(name)]
            found.append(
                Check(
                    f"import {name} handler loads no boto3/pynamodb",
                    ", ".join(heavy) + " imported" if heavy else "neither imported",
                    "neither",
                    not heavy,
                )
            )
    return found


def bytecode_table(cached: list[ImportResult], uncached: list[ImportResult]) -> Table:
    """Informational: what shipping no .pyc would add to each cold start."""
    b0 = uncached[0].median
    out = Table(
        "Import time without bytecode (informational, no target)",
        ("module", "with .pyc", "without .pyc", "without / with", "vs B0 without"),
    )
    for with_pyc, without in zip(cached, uncached, strict=True):
        out.rows.append(
            (
                without.subject.label,
                ms(with_pyc.median),
                ms(without.median),
                ratio(without.median, with_pyc.median),
                ratio(without.median, b0),
            )
        )
    out.notes.append(
        f"{len(uncached[0].seconds)} fresh interpreters per module; every .pyc outside the "
        "standard library ignored and none written: the cold start the shipped bytecode "
        "saves (/opt and /var/task are read-only, so Lambda could not cache its own)."
    )
    return out

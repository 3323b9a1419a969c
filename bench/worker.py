"""One warm Lambda container: ``python -m bench.worker <scenario name> <warm-up calls>``.

Each scenario runs in its own process, as each function does on Lambda: one app per
interpreter, so no module patch or cache of one handler (``shared.fastapi_compat``, say)
can flatter or burden another. The parent drives the workers in turn over a pipe, one block
of calls at a time, so that only one of them runs at any moment.

Protocol (one JSON line per answer, on the original stdout):
``run N W`` -> W untimed calls, then {"ns": [N durations]}; ``stop`` -> the lifespan and
status checks.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from bench.lambda_event import FakeContext, http_event
from bench.scenarios import SCENARIOS_BY_NAME, Scenario

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _resolve(dotted: str, separator: str) -> Any:
    module, _, attribute = dotted.rpartition(separator)
    return getattr(importlib.import_module(module), attribute)


def _take_stdout() -> TextIO:
    """Keep the real stdout for the protocol; send everything else printed there away.

    Powertools logs to stdout (as Lambda expects); its lines must not reach the parent.
    Rebinding fd 1 keeps the logging handler's cost (formatting and writing) in the figures.
    """
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    return protocol


class LifespanCounter:
    """Counts Mangum lifespan cycles: with ``lifespan="off"`` there must be none, ever."""

    def __init__(self) -> None:
        from mangum.protocols.lifespan import LifespanCycle

        self.cycles = 0
        original = LifespanCycle.__enter__

        def counted(cycle: LifespanCycle) -> None:
            self.cycles += 1
            original(cycle)

        LifespanCycle.__enter__ = counted  # type: ignore[method-assign]

    @staticmethod
    def modes() -> list[str]:
        """The ``lifespan`` setting of every Mangum adapter alive in this process."""
        from mangum import Mangum

        return sorted(obj.lifespan for obj in gc.get_objects() if isinstance(obj, Mangum))


class Runner:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        headers: dict[str, str] = dict(scenario.headers)
        if scenario.setup:
            extra: Mapping[str, str] = _resolve(scenario.setup, ":")()
            headers.update(extra or {})
        self.handler: Handler = _resolve(scenario.handler, ".")
        event = http_event(
            scenario.method,
            scenario.path,
            query=scenario.query,
            headers=headers,
            body=scenario.body,
        )
        self.template = json.dumps(event)
        self.context = FakeContext()
        self.calls = 0
        self.unexpected: list[str] = []

    def _events(self, count: int) -> list[dict[str, Any]]:
        # Lambda hands every invocation a freshly parsed event; build them outside the clock.
        events = [json.loads(self.template) for _ in range(count)]
        for event in events:
            self.calls += 1
            event["requestContext"]["requestId"] = f"bench-request-{self.calls}"
        return events

    def run(self, count: int) -> list[int]:
        handler, context, clock = self.handler, self.context, time.perf_counter_ns
        durations: list[int] = []
        for event in self._events(count):
            start = clock()
            response = handler(event, context)
            durations.append(clock() - start)
            if response.get("statusCode") != self.scenario.expect_status and not self.unexpected:
                self.unexpected.append(f"{response.get('statusCode')}: {response.get('body')}")
        return durations


def main() -> None:
    name, warmup = sys.argv[1], int(sys.argv[2])
    protocol = _take_stdout()
    # Powertools warns on every invocation that publishes no metric: noise, not a finding.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    runner = Runner(SCENARIOS_BY_NAME[name])
    lifespan = LifespanCounter()
    runner.run(warmup)

    def answer(payload: dict[str, Any]) -> None:
        protocol.write(json.dumps(payload) + "\n")

    answer({"ready": True, "unexpected": runner.unexpected})
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "run":
            count, _, rewarm = argument.partition(" ")
            runner.run(int(rewarm or 0))  # untimed: see bench.warm on re-warming
            answer({"ns": runner.run(int(count))})
        elif command == "stop":
            answer(
                {
                    "calls": runner.calls,
                    "lifespan_cycles": lifespan.cycles,
                    "mangum_lifespan": LifespanCounter.modes(),
                    "unexpected": runner.unexpected,
                }
            )
            return


if __name__ == "__main__":
    main()

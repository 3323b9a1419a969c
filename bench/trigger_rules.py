"""(g) Event triggers' rule matching against other teams' rules: the trigger matcher's
cost for one event, flat in what others hold.

Two warm matcher workers (`python -m bench.trigger_rules matcher <others>`), each over its
own emulated AWS (moto, in process): one whose events table holds the team's one trigger
on the event's type among 1 other rule, one among 10,000 (other teams' triggers on the same
type, on its prefix `job.*` and on `*`, under their own partitions, and the team's own
triggers on other types), taking turns one block of calls at a time. Each call is the
worker's Lambda handler given one trigger-events record (a new event id each time, so
nothing is deduplicated): its idempotency record, the Queries of the team's index
partitions (`patterns.lookup_keys`: three for `job.failed`), the filters, one fire queued.

Timed three ways, as the event section's fan-out (bench/events.py says why): over moto,
with the emulator's answers recorded once per world and replayed at botocore's
`before-send` (the figure the target holds: what the function spends on Lambda, moto's own
work on the whole table left out), and past botocore (the project's code alone).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from bench.common import percentile
from bench.events import (
    MODE_LABELS,
    HandlerWorld,
    _environment,
    _ms,
    _p50,
    _requests,
    _take_stdout,
    measure_worlds,
    serve_handler,
    sqs_record,
)
from bench.report import Check, Table, ratio

MAX_MATCH_GROWTH = 1.2
FEW, MANY = 1, 10_000
EVENT_TYPE = "job.failed"
TEAM = "bench-team"
DEFAULT_WARMUP = 20


def _seed_rules(others: int) -> None:
    """The team's one trigger on EVENT_TYPE (through the store, with its index item), and
    `others` index items that must not fire for it, written in batches: half other teams'
    triggers on the type, its prefix or `*`, half the team's own on other types."""
    from shared.event_rules.patterns import EventPattern, pattern_key
    from shared.ids import new_id, utcnow
    from shared.triggers import store
    from shared.triggers.domain import Trigger, WebhookAction
    from shared.triggers.models import TriggerRuleItem, trigger_key
    from shared.webhooks import catalog

    now = utcnow()
    store.create_trigger(
        Trigger(
            id=new_id(),
            team_id=TEAM,
            name="on a failed job",
            type="event",
            config={"event": EVENT_TYPE, "filters": {}},
            action=WebhookAction(type="webhook", webhook_id=new_id()),
            created_at=now,
            updated_at=now,
        )
    )
    theirs = (EVENT_TYPE, "job.*", "*")
    own_types = sorted(catalog.TYPES - {EVENT_TYPE})
    with TriggerRuleItem.batch_write() as batch:
        for i in range(others):
            team, event = (
                (f"bench-other-{i}", theirs[(i // 2) % len(theirs)])
                if i % 2 == 0
                else (TEAM, own_types[i % len(own_types)])
            )
            trigger_id = new_id()
            batch.save(
                TriggerRuleItem(
                    pattern_key(team, EventPattern(event=event)),
                    trigger_key(trigger_id),
                    team_id=team,
                    trigger_id=trigger_id,
                    event=event,
                    filters={},
                    enabled=True,
                )
            )


def _record() -> dict[str, Any]:
    """One trigger-events record, as Lambda hands it to the matcher: a new event each time."""
    from shared.ids import new_id

    detail = {"team_id": TEAM, "job_id": new_id(), "slug": "todo-api", "status": "failed"}
    return sqs_record(EVENT_TYPE, detail, "trigger-events")


def _matcher_worker(others: int, warmup: int) -> None:
    """A warm matcher over a table with `others` rules that must not fire."""
    protocol = _take_stdout()
    settings = _environment(f"rules-{others}")
    from tools.local.emulator import emulated_aws

    with emulated_aws(settings):
        _seed_rules(others)
        from functions.trigger_matcher.handler import handler

        serve_handler(protocol, handler, _record, warmup)


@dataclass(frozen=True, slots=True)
class RulesReport:
    worlds: list[HandlerWorld]  # the few-others world first


def measure(
    calls: int = 400,
    *,
    block: int = 20,
    others: tuple[int, int] = (FEW, MANY),
    warmup: int = DEFAULT_WARMUP,
) -> RulesReport:
    worlds = measure_worlds(
        "bench.trigger_rules",
        "matcher",
        "trigger matcher ({} other rules)",
        calls=calls,
        block=block,
        others=others,
        warmup=warmup,
    )
    return RulesReport(worlds)


def _range(values: set[int]) -> str:
    ordered = sorted(values)
    return " to ".join(map(str, (ordered[0], ordered[-1]) if len(ordered) > 1 else ordered))


def table(report: RulesReport) -> Table:
    out = Table(
        "Event triggers: rule matching against other teams' rules",
        ["measure", "p50", "p99", "vs"],
    )
    few, many = report.worlds
    for mode, label in MODE_LABELS.items():
        for world in (few, many):
            base = _p50(few.ns[mode]) if world is many else None
            p50 = _p50(world.ns[mode])
            out.rows.append(
                [
                    f"match an event, 1 trigger among {world.others:,} other rules, {label}",
                    _ms(p50),
                    _ms(percentile(world.ns[mode], 99) / 1e9),
                    ratio(p50, base) if base else "",
                ]
            )
    for world in (few, many):
        name = f"DynamoDB requests per event, {world.others:,} other rules"
        out.rows.append([name, _requests(world.requests), "", ""])
        items = _range({call["items_read"] for call in world.requests})
        fires = _range({call["messages"] for call in world.requests})
        name = f"items read / fires queued per event, {world.others:,} other rules"
        out.rows.append([name, f"{items} / {fires}", "", ""])
    out.notes += [
        "The trigger-events worker's Lambda handler given one record (a new job.failed "
        "event: its idempotency record, a Query on each of the team's index partitions for "
        "the type, the filters, one trigger-fires message), "
        f"{len(few.ns['moto'])} calls per world and mode, two warm worker processes (one "
        "per world) taking turns in blocks; the other rules are other teams' triggers on "
        "job.failed, job.* and * and the team's own on other types.",
        "Why three timings: as the event path's fan-out (moto's Query reads and sorts the "
        "whole table); the target is held to the answers replayed to botocore.",
    ]
    return out


def checks(report: RulesReport) -> list[Check]:
    few, many = report.worlds

    def growth(mode: str) -> float:
        return _p50(many.ns[mode]) / _p50(few.ns[mode])

    shapes = {tuple(call["operations"]) for call in few.requests + many.requests}
    fires = {call["messages"] for call in few.requests + many.requests}
    found = [
        Check(
            f"trigger rule matching p50, {many.others:,} vs {few.others} other rules "
            "(answers replayed to botocore)",
            f"{growth('botocore'):.2f}x (over moto {growth('moto'):.2f}x)",
            f"<= {MAX_MATCH_GROWTH:.1f}x",
            growth("botocore") <= MAX_MATCH_GROWTH,
        ),
        Check(
            f"trigger matching DynamoDB requests and fires, {many.others:,} vs {few.others}",
            f"{_requests(many.requests)}; fires {_range(fires)}",
            "the same, no Scan, one fire",
            len(shapes) == 1 and "Scan" not in next(iter(shapes)) and fires == {1},
        ),
    ]
    misses, failures = few.misses + many.misses, [*few.failed, *many.failed]
    if misses or failures:
        found.append(
            Check(
                "trigger rules: every call succeeded, every request answered as recorded",
                f"{misses} requests unlike the recorded ones; " + "; ".join(failures)[:80],
                "0",
                False,
            )
        )
    return found


if __name__ == "__main__":
    kind, *numbers = sys.argv[1:]
    if kind != "matcher":
        raise SystemExit(f"unknown child {kind!r}")
    _matcher_worker(*(int(number) for number in numbers))

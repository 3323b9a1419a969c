"""(g) Event -> notification in the inbox, on the local runtime: events published one at
a time with `shared.events.publish` (bus rule -> notification-events -> notifier -> the
inbox item and its unread count), `make dev`'s pump in its background thread (a round
every 50 ms), timed from the publish call to the item's write, in an interpreter of its
own over emulated AWS (`python -m bench.notifications <events> <warmup>`).

The team has one admin and three members, no rule of its own: the built-in "job failed"
rule tells the admin, so each event costs the notifier its rule Queries, the team's users,
their preferences and one transaction (the item and the count).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from bench.common import percentile, run_child
from bench.report import Check, Table, ms

MAX_INBOX_P50 = 0.5  # seconds
EVENT_TYPE = "job.failed"
TEAM = "bench-notify-team"
ADMIN = "benchadmin"
TIMEOUT = 30.0  # seconds an event may take before it counts as lost
DEFAULT_WARMUP = 3
# What the bench's accounts hold for a password hash: nobody signs in as them.
NO_SIGN_IN = "!"


def _environment() -> Any:
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": "factory-bench-notify",
            "ARTIFACTS_BUCKET": "factory-bench-notify-artifacts",
            "EVENT_BUS_NAME": "factory-bench-notify-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from shared.settings import get_settings

    return get_settings()


def _team() -> None:
    """The team: its admin (whom the built-in rule tells), through the store, and three
    members written as items (an invitation each would add nothing to what is timed)."""
    from shared.db.base import team_partition
    from shared.identity.models import UserItem, user_key
    from shared.identity.store import users

    users.create_account(
        team_id=TEAM,
        user_id=ADMIN,
        email="bench-admin@example.com",
        full_name="Bench",
        role="admin",
        password_hash=NO_SIGN_IN,
        invitation=None,
    )
    for n in range(3):
        UserItem(
            team_partition(TEAM),
            user_key(f"benchmember{n}"),
            team_id=TEAM,
            user_id=f"benchmember{n}",
            email=f"bench-{n}@example.com",
            role="member",
            password_hash=NO_SIGN_IN,
        ).save()


def _inbox_child(count: int, warmup: int) -> dict[str, Any]:
    settings = _environment()
    from shared import events
    from shared.notifications import inbox_store
    from shared.notifications.domain import Notification
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import register_group_functions
    from tools.local.pump import LocalPump

    arrived: dict[str, float] = {}
    changed = threading.Condition()
    original = inbox_store.add

    def timed_add(note: Notification) -> bool:
        added = original(note)
        at = time.perf_counter()
        with changed:
            arrived.setdefault(note.title, at)
            changed.notify_all()
        return added

    inbox_store.add = timed_add  # type: ignore[assignment]
    latencies: list[float] = []
    lost = 0
    with emulated_aws(settings):
        register_group_functions(settings)
        _team()
        with LocalPump(settings).running():
            for seq in range(-warmup, count):  # negative: warm-up, untimed
                slug = f"bench-{seq}"
                detail = {"team_id": TEAM, "job_id": f"JOB{seq}", "slug": slug, "phase": "code"}
                published = time.perf_counter()
                if not events.publish(EVENT_TYPE, detail):
                    raise RuntimeError("the bus refused an event")
                title = f"Job {slug} failed"
                with changed:
                    changed.wait_for(lambda: title in arrived, TIMEOUT)  # noqa: B023
                    at = arrived.get(title)
                if seq < 0:
                    continue
                if at is None:
                    lost += 1
                else:
                    latencies.append(at - published)
        unread = inbox_store.unread_count(TEAM, ADMIN)
    return {"latencies": latencies, "lost": lost, "unread": unread - warmup}


@dataclass(frozen=True, slots=True)
class NotificationsReport:
    latencies: list[float]
    lost: int
    unread: int
    published: int


def measure(events: int = 200, warmup: int = DEFAULT_WARMUP) -> NotificationsReport:
    found = run_child("bench.notifications", str(events), str(warmup))
    return NotificationsReport(found["latencies"], found["lost"], found["unread"], events)


def table(report: NotificationsReport) -> Table:
    out = Table("Notifications: event -> inbox item, local runtime", ["measure", "p50", "p99"])
    if report.latencies:
        out.rows.append(
            [
                f"event -> inbox item written ({len(report.latencies)} events)",
                ms(statistics.median(report.latencies)),
                ms(percentile(report.latencies, 99)),
            ]
        )
    out.rows.append(
        [
            "items counted unread / lost",
            f"{report.unread} / {report.lost} of {report.published}",
            "",
        ]
    )
    out.notes.append(
        "The local runtime with its queue pump in the background thread (a round every "
        "50 ms over every mapped queue, as `make dev`), events published one at a time with "
        "shared.events.publish (bus rule -> notification-events -> notifier); time from the "
        "publish call to the inbox item's transaction (item and unread count) returning. "
        "The built-in job-failed rule, a team of one admin and three members."
    )
    return out


def checks(report: NotificationsReport) -> list[Check]:
    latencies = report.latencies
    complete = report.lost == 0 and report.unread == report.published
    p50 = statistics.median(latencies) if latencies else None
    return [
        Check(
            f"event -> notification in the inbox p50, local runtime ({report.published} events)",
            (
                f"{ms(p50)} (p99 {ms(percentile(latencies, 99))}; "
                if p50 is not None
                else "nothing arrived ("
            )
            + f"{report.unread} unread, {report.lost} lost)",
            f"<= {MAX_INBOX_P50 * 1000:.0f} ms, none lost",
            p50 is not None and p50 <= MAX_INBOX_P50 and complete,
        )
    ]


if __name__ == "__main__":
    count, warm = (int(value) for value in sys.argv[1:3])
    print(json.dumps(_inbox_child(count, warm)))

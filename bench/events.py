"""(f) The event path's costs: the fan-out against unrelated subscriptions, the inbound
hook's warm path against health's, and an event's way to a signed delivery.

Each runs over emulated AWS (moto, in process) in interpreters of its own:

- Fan-out: two warm fan-out workers (`python -m bench.events fanout <others>`), one whose
  table holds the team's one matching endpoint among 10 others, one among 10,000 (other
  teams' endpoints on the same type, the team's own on other types), taking turns one
  block of calls at a time. Each call is the worker's Lambda handler given one bus-events
  record (a new event id each time, so nothing is deduplicated).
- Inbound hooks: `POST /hooks/{id}` (a standard-webhooks source, each request signed
  anew, from its own address so the rate limit never answers 429) and health's
  `GET /api/v1/health`, through their Lambda handlers in one interpreter, interleaved.
- Delivery: the local runtime (`make dev`'s pump in its background thread) carrying events
  published one at a time with `shared.events.publish` to a loopback receiver that
  verifies each with the `standardwebhooks` reference library.

Why three timings of the fan-out and the hook (see `RecordedAnswers`): moto answers each
request with milliseconds of its own CPU in this process, and its Query reads and sorts
every item of the table (moto 5.2.5, `Table.query` over `all_items()`), where DynamoDB
reads only the partition. Over moto a hook pays moto's work four times, and a fan-out
among 10,000 endpoints pays moto's sort of 20,000 items twice: neither is what Lambda
spends. So each is also timed with the emulator's answers recorded once and replayed at
botocore's `before-send` (where moto itself answers): validating, serialising, signing
and parsing stay in the figure, only moto's work and the network are out; the targets
are held to this one. The third answers at `_make_api_call`, past botocore: the
project's own code alone, so the table shows where the time goes. The answers are
recorded in each world (a code that scanned would get 10,000 items back there), and the
DynamoDB requests and the items they read are counted in both.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from bench.common import ChildProcess, percentile, run_child
from bench.report import Check, Table, ratio

MAX_FANOUT_GROWTH = 1.2
MAX_HOOK_VS_HEALTH = 3.0
MAX_DELIVERY_P50 = 1.0  # seconds
FEW, MANY = 10, 10_000
EVENT_TYPE = "job.completed"
TEAM = "bench-team"
DELIVERY_TIMEOUT = 30.0  # seconds an event may take before it counts as lost
DEFAULT_WARMUP = 20
# How each call's AWS requests are answered (see RecordedAnswers): by moto, by recorded
# answers handed to botocore (the figure targets are held to), or past botocore.
MODES = {"moto": "pass", "botocore": "botocore", "code": "code"}
MODE_LABELS = {
    "botocore": "AWS answers replayed to botocore",
    "moto": "over moto",
    "code": "answers replayed past botocore",
}

Answer = tuple[int, dict[str, str], Any]  # moto's (status, headers, body)


# --- shared by the children ------------------------------------------------------------


def _environment(name: str) -> Any:
    """This child's own names and quiet Powertools; its settings."""
    os.environ.update(
        {
            "APP_ENV": "local",
            "RESOURCE_PREFIX": f"factory-bench-{name}",
            "ARTIFACTS_BUCKET": f"factory-bench-{name}-artifacts",
            "EVENT_BUS_NAME": f"factory-bench-{name}-bus",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from shared.settings import get_settings

    return get_settings()


def _operation(request: Any) -> str:
    target = request.headers.get("X-Amz-Target")
    if target:
        return target.decode() if isinstance(target, bytes) else str(target)
    return f"{request.method} {request.url.split('?', 1)[0]}"


class RecordedAnswers:
    """The emulator's answers to one call's AWS requests, recorded in order and replayed
    to later calls, at one of two depths:

    - "botocore": at botocore's `before-send` (moto's `BotocoreStubber.process_request`).
      Everything botocore does before and after sending (validating, serialising, signing
      the request; parsing the answer) still runs: left out are moto's work and the
      network, as DynamoDB's and SQS's would be on Lambda. What the function spends.
    - "code": at `BaseClient._make_api_call`, the parsed answer handed back at once:
      botocore's work left out too, the project's code alone.

    A replayed request must be the recorded one's operation at the same position, else
    moto answers it and it is counted in `misses`.
    """

    def __init__(self) -> None:
        self.sent: list[tuple[str, Answer]] = []  # as moto answered them
        self.parsed: list[tuple[str, Any]] = []  # as botocore parsed them
        self.mode = "pass"  # "record", "botocore", "code" or "pass" (moto answers)
        self.cursors = [0, 0]
        self.misses = 0

    def install(self) -> RecordedAnswers:
        from botocore.client import BaseClient
        from moto.core.botocore_stubber import BotocoreStubber

        stubber_answer = BotocoreStubber.process_request
        make_api_call = BaseClient._make_api_call
        recorder = self

        def process_request(stubber: BotocoreStubber, request: Any) -> Any:
            return recorder.answer(
                "botocore",
                0,
                recorder.sent,
                _operation(request),
                lambda: stubber_answer(stubber, request),
            )

        def replayed_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            return recorder.answer(
                "code",
                1,
                recorder.parsed,
                operation,
                lambda: make_api_call(client, operation, params),
            )

        BotocoreStubber.process_request = process_request  # type: ignore[method-assign,assignment]
        BaseClient._make_api_call = replayed_api_call  # type: ignore[method-assign]
        return self

    def answer(
        self,
        mode: str,
        position: int,
        recorded: list[tuple[str, Any]],
        operation: str,
        moto: Callable[[], Any],
    ) -> Any:
        if self.mode == mode:
            cursor = self.cursors[position]
            if cursor < len(recorded) and recorded[cursor][0] == operation:
                self.cursors[position] += 1
                found = recorded[cursor][1]
                if mode == "botocore":  # a fresh header map: botocore wraps it per answer
                    return found[0], dict(found[1]), found[2]
                return found
            self.misses += 1
        answered = moto()
        if self.mode == "record" and answered is not None:
            recorded.append((operation, answered))
        return answered

    def record(self, call: Callable[[], object]) -> None:
        self.sent, self.parsed, self.mode = [], [], "record"
        try:
            call()
        finally:
            self.mode = "pass"

    @contextmanager
    def replaying(self, mode: str) -> Iterator[None]:
        """Replay from the first recorded answer, at `mode`'s depth ("pass": moto answers)."""
        self.mode, self.cursors = mode, [0, 0]
        try:
            yield
        finally:
            self.mode = "pass"


class RequestLog:
    """The DynamoDB operations of each call and the items they read (a Query's or Scan's
    ScannedCount, a GetItem's one), counted at `BaseClient._make_api_call` (boto3's
    clients and PynamoDB's alike); the SQS messages sent."""

    def __init__(self) -> None:
        self.operations: list[str] = []
        self.items_read = 0
        self.messages_sent = 0

    def install(self) -> RequestLog:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        log = self

        def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            answer = original(client, operation, params)
            service = client.meta.service_model.service_name
            if service == "dynamodb":
                log.operations.append(operation)
                log.items_read += int(answer.get("ScannedCount", 0)) + ("Item" in answer)
            elif operation == "SendMessageBatch":
                log.messages_sent += len(params["Entries"])
            elif operation == "SendMessage":
                log.messages_sent += 1
            return answer

        BaseClient._make_api_call = counted  # type: ignore[method-assign]
        return self

    def take(self) -> dict[str, Any]:
        taken = {
            "operations": self.operations,
            "items_read": self.items_read,
            "messages": self.messages_sent,
        }
        self.operations, self.items_read, self.messages_sent = [], 0, 0
        return taken


def _take_stdout() -> IO[str]:
    """The real stdout for the protocol; Powertools' log lines (stdout) go to /dev/null."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    return protocol


def sqs_record(detail_type: str, detail: dict[str, Any], queue: str) -> dict[str, Any]:
    """One record of `queue` carrying a new bus event (a new id each time, so nothing is
    deduplicated), as Lambda hands it to the queue's worker."""
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "software-factory",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "bench",
                "body": json.dumps(event),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{queue}",
                "awsRegion": "us-east-1",
            }
        ]
    }


def serve_handler(
    protocol: IO[str],
    handler: Callable[[dict[str, Any], Any], dict[str, Any]],
    make_event: Callable[[], dict[str, Any]],
    warmup: int,
) -> None:
    """A warm worker world (inside its emulated AWS, seeded) timing a queue worker's Lambda
    handler for `measure_worlds`. Protocol (one JSON line per answer): `ready` first, then
    `run <mode> N` -> {"ns", "requests"} (a mode of MODES); `stop` -> {"misses",
    "failed"}."""
    from bench.lambda_event import FakeContext

    context = FakeContext()
    answers, log = RecordedAnswers().install(), RequestLog().install()
    failed: list[str] = []

    def once() -> int:
        event = make_event()  # made outside the clock, as Lambda hands it over
        started = time.perf_counter_ns()
        answer = handler(event, context)
        elapsed = time.perf_counter_ns() - started
        if answer.get("batchItemFailures") and not failed:
            failed.append(json.dumps(answer))
        return elapsed

    for _ in range(warmup):
        once()
    log.take()
    answers.record(once)
    log.take()

    def reply(payload: dict[str, Any]) -> None:
        protocol.write(json.dumps(payload) + "\n")

    reply({"ready": True})
    for line in sys.stdin:
        command, *arguments = line.split()
        if command == "stop":
            reply({"misses": answers.misses, "failed": failed})
            return
        mode, count = arguments[0], int(arguments[1])
        ns, requests = [], []
        for _ in range(count):
            with answers.replaying(MODES[mode]):
                ns.append(once())
            requests.append(log.take())
        reply({"ns": ns, "requests": requests})


@dataclass(slots=True)
class HandlerWorld:
    """What one worker world measured: its timings per mode and each call's requests."""

    others: int
    ns: dict[str, list[int]] = field(default_factory=lambda: {mode: [] for mode in MODES})
    requests: list[dict[str, Any]] = field(default_factory=list)  # one per call
    misses: int = 0
    failed: list[str] = field(default_factory=list)


def measure_worlds(
    module: str,
    kind: str,
    label: str,
    *,
    calls: int,
    block: int,
    others: tuple[int, int],
    warmup: int,
) -> list[HandlerWorld]:
    """Two warm worker processes (`python -m <module> <kind> <others> <warmup>`, each
    serving `serve_handler`), one world per count of `others` (the first world first),
    taking turns one block of calls at a time in every mode. `label` names a worker that
    dies, `{}` standing for its count of others."""
    worlds = [HandlerWorld(count) for count in others]
    workers: list[ChildProcess] = []
    try:
        for count in others:
            workers.append(
                ChildProcess(
                    label.format(count),
                    ["-m", module, kind, str(count), str(warmup)],
                    {**os.environ, "PYTHONWARNINGS": "ignore"},
                )
            )
        for worker in workers:
            worker.read()  # ready: seeded and warm
        done = 0
        while done < calls:
            size = min(block, calls - done)
            for mode in MODES:
                for worker, world in zip(workers, worlds, strict=True):
                    answer = worker.send(f"run {mode} {size}")
                    world.ns[mode].extend(answer["ns"])
                    world.requests.extend(answer["requests"])
            done += size
        for worker, world in zip(workers, worlds, strict=True):
            final = worker.send("stop")
            world.misses, world.failed = final["misses"], final["failed"]
    finally:
        for worker in workers:
            worker.close()
    return worlds


# --- 1. fan-out against unrelated subscriptions -----------------------------------------


def _seed_subscriptions(others: int) -> None:
    """The team's one endpoint on EVENT_TYPE (through the store), and `others` that must
    not match it, written in batches: half other teams' endpoints on the same type, half
    the team's own on other types."""
    from shared.db.base import team_partition
    from shared.ids import new_id, utcnow
    from shared.webhooks import catalog, endpoint_store
    from shared.webhooks.domain import Secret, Webhook
    from shared.webhooks.models import (
        SubscriptionItem,
        WebhookItem,
        subscription_partition,
        webhook_key,
    )

    now = utcnow()
    secret = "whsec_" + "A" * 44  # never used: nothing is sent
    endpoint_store.create_webhook(
        Webhook(
            id=new_id(),
            team_id=TEAM,
            url="https://receiver.example.com/hook",
            events=[EVENT_TYPE],
            secrets=[Secret(value=secret)],
            created_at=now,
            updated_at=now,
        )
    )
    other_types = sorted(catalog.TYPES - {EVENT_TYPE})
    with WebhookItem.batch_write() as endpoints, SubscriptionItem.batch_write() as subscriptions:
        for i in range(others):
            team, event_type = (
                (f"bench-other-{i}", EVENT_TYPE)
                if i % 2 == 0
                else (TEAM, other_types[i % len(other_types)])
            )
            webhook_id = new_id()
            endpoints.save(
                WebhookItem(
                    team_partition(team),
                    webhook_key(webhook_id),
                    team_id=team,
                    webhook_id=webhook_id,
                    url=f"https://receiver.example.com/{i}",
                    events=[event_type],
                    enabled=True,
                    secrets=[{"value": secret, "expires_at": None}],
                    created_at=now,
                    updated_at=now,
                )
            )
            subscriptions.save(
                SubscriptionItem(
                    subscription_partition(team, event_type),
                    webhook_key(webhook_id),
                    team_id=team,
                    webhook_id=webhook_id,
                    enabled=True,
                )
            )


def _bus_record() -> dict[str, Any]:
    """One bus-events record, as Lambda hands it to the fan-out: a new event each time."""
    from shared.ids import new_id

    detail = {"team_id": TEAM, "job_id": new_id(), "status": "passed", "cost_usd": 0.42}
    return sqs_record(EVENT_TYPE, detail, "factory-bench-bus-events")


def _fanout_worker(others: int, warmup: int) -> None:
    """A warm fan-out worker over a table with `others` unrelated endpoints."""
    protocol = _take_stdout()
    settings = _environment(f"fanout-{others}")
    from tools.local.emulator import emulated_aws

    with emulated_aws(settings):
        _seed_subscriptions(others)
        from functions.webhook_fanout.handler import handler

        serve_handler(protocol, handler, _bus_record, warmup)


# --- 2. inbound hooks against health ------------------------------------------------------


def _hooks_child(calls: int, block: int, warmup: int) -> dict[str, Any]:
    settings = _environment("hooks")
    from standardwebhooks import Webhook

    from bench.lambda_event import FakeContext, http_event
    from shared.hooks import service
    from tools.local.emulator import emulated_aws

    with emulated_aws(settings):
        source = service.create_source(TEAM, "bench", "standard-webhooks", None, None)
        signer = Webhook(source.secret)
        from functions.health.handler import handler as health
        from functions.hooks.handler import handler as hooks

        context = FakeContext()
        sent = 0

        def hook_events(count: int) -> list[dict[str, Any]]:
            """Signed now, each with its own message id and sending address."""
            nonlocal sent
            made = []
            for _ in range(count):
                sent += 1
                message_id = f"msg_{uuid.uuid4().hex}"
                body = json.dumps(
                    {"type": "invoice.paid", "data": {"id": f"in_{sent}", "amount": 4200}}
                )
                moment = datetime.now(UTC)
                event = http_event(
                    "POST",
                    f"/api/v1/hooks/{source.id}",
                    headers={
                        "webhook-id": message_id,
                        "webhook-timestamp": str(int(moment.timestamp())),
                        "webhook-signature": signer.sign(message_id, moment, body),
                    },
                    body=body,
                )
                event["requestContext"]["http"]["sourceIp"] = (
                    f"10.{sent >> 16 & 255}.{sent >> 8 & 255}.{sent & 255}"
                )
                event["requestContext"]["requestId"] = f"bench-hook-{sent}"
                made.append(event)
            return made

        health_event = json.dumps(http_event("GET", "/api/v1/health"))
        unexpected: list[str] = []

        def timed(handler: Any, events: list[dict[str, Any]], status: int) -> list[int]:
            found = []
            for event in events:
                started = time.perf_counter_ns()
                answer = handler(event, context)
                found.append(time.perf_counter_ns() - started)
                if answer.get("statusCode") != status and not unexpected:
                    unexpected.append(f"{answer.get('statusCode')}: {answer.get('body')}")
            return found

        answers, log = RecordedAnswers().install(), RequestLog().install()
        timed(health, [json.loads(health_event) for _ in range(warmup)], 200)
        timed(hooks, hook_events(warmup), 202)
        log.take()
        [recorded] = hook_events(1)
        answers.record(lambda: timed(hooks, [recorded], 202))
        requests = log.take()
        results: dict[str, list[int]] = {"health": [], **{mode: [] for mode in MODES}}
        done = 0
        while done < calls:
            size = min(block, calls - done)
            results["health"] += timed(health, [json.loads(health_event) for _ in range(size)], 200)
            for mode, depth in MODES.items():
                for event in hook_events(size):
                    with answers.replaying(depth):
                        results[mode] += timed(hooks, [event], 202)
            done += size
        return {
            **results,
            "requests": requests,
            "recorded": [operation for operation, _ in answers.parsed],
            "misses": answers.misses,
            "unexpected": unexpected,
        }


# --- 3. event -> signed delivery on the local runtime -----------------------------------


def _delivery_child(count: int, warmup: int) -> dict[str, Any]:
    settings = _environment("delivery")
    from shared import events
    from shared.ids import new_id
    from shared.webhooks import service
    from tests.fake_servers import Recorded, Reply, WebhookReceiver
    from tools.local.emulator import emulated_aws
    from tools.local.gateway import register_group_functions
    from tools.local.pump import LocalPump

    class TimedReceiver(WebhookReceiver):
        """Notes when each delivery arrived (before verifying it), by the event's `seq`."""

        def __init__(self) -> None:
            super().__init__()
            self.arrived: dict[int, float] = {}
            self.changed = threading.Condition()

        def answer(self, recorded: Recorded) -> Reply:
            at = time.perf_counter()
            reply = super().answer(recorded)
            with self.changed:
                self.arrived[int(recorded.body["data"]["seq"])] = at
                self.changed.notify_all()
            return reply

        def wait_for(self, seq: int, timeout: float) -> float | None:
            with self.changed:
                self.changed.wait_for(lambda: seq in self.arrived, timeout)
                return self.arrived.get(seq)

    latencies: list[float] = []
    lost = 0
    with emulated_aws(settings), TimedReceiver() as receiver:
        register_group_functions(settings)
        webhook = service.create_webhook(TEAM, receiver.endpoint, [EVENT_TYPE], None, True)
        receiver.secrets.append(webhook.secrets[0].value)
        with LocalPump(settings).running():
            for seq in range(-warmup, count):  # negative: warm-up, untimed
                detail = {"team_id": TEAM, "job_id": new_id(), "status": "passed", "seq": seq}
                published = time.perf_counter()
                if not events.publish(EVENT_TYPE, detail):
                    raise RuntimeError("the bus refused an event")
                arrived = receiver.wait_for(seq, DELIVERY_TIMEOUT)
                if seq < 0:
                    continue
                if arrived is None:
                    lost += 1
                else:
                    latencies.append(arrived - published)
        verified = sum(all(outcome.values()) and bool(outcome) for outcome in receiver.verified)
        return {
            "latencies": latencies,
            "lost": lost,
            "received": len(receiver.requests) - warmup,
            "verified": verified - warmup,
        }


# --- the section ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventsReport:
    fanout: list[HandlerWorld]  # the few-others world first
    hooks: dict[str, Any]
    delivery: dict[str, Any]
    published: int


def measure(
    fanout_calls: int = 200,
    hook_calls: int = 400,
    deliveries: int = 200,
    *,
    block: int = 20,
    others: tuple[int, int] = (FEW, MANY),
    warmup: int = DEFAULT_WARMUP,
) -> EventsReport:
    fanout = measure_worlds(
        "bench.events",
        "fanout",
        "fan-out worker ({} others)",
        calls=fanout_calls,
        block=block,
        others=others,
        warmup=warmup,
    )
    hooks = run_child("bench.events", "hooks", str(hook_calls), str(block), str(warmup))
    delivery = run_child("bench.events", "delivery", str(deliveries), str(min(warmup, 3)))
    return EventsReport(fanout, hooks, delivery, deliveries)


def _p50(ns: list[int]) -> float:
    return statistics.median(ns) / 1e9


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _requests(per_call: list[dict[str, Any]]) -> str:
    """e.g. "5 in each of 400: PutItem, Query, Query, PutItem, UpdateItem"."""
    shapes = sorted({tuple(call["operations"]) for call in per_call}, key=len, reverse=True)
    if len(shapes) == 1:
        return f"{len(shapes[0])} in each of {len(per_call)}: {', '.join(shapes[0])}"
    return f"{len(shapes)} shapes in {len(per_call)}: " + "; ".join(map(", ".join, shapes))


def _items_read(per_call: list[dict[str, Any]]) -> str:
    counts = sorted({call["items_read"] for call in per_call})
    return " to ".join(map(str, (counts[0], counts[-1]) if len(counts) > 1 else counts))


def _row(label: str, ns: list[int], base: float | None = None) -> list[str]:
    p50 = _p50(ns)
    return [label, _ms(p50), _ms(percentile(ns, 99) / 1e9), ratio(p50, base) if base else ""]


def table(report: EventsReport) -> Table:
    out = Table(
        "Event path: fan-out against unrelated subscriptions, inbound hooks, delivery",
        ["measure", "p50", "p99", "vs"],
    )
    few, many = report.fanout
    for mode, label in MODE_LABELS.items():
        for world in (few, many):
            base = _p50(few.ns[mode]) if world is many else None
            name = f"fan-out, 1 match among {world.others:,} others, {label}"
            out.rows.append(_row(name, world.ns[mode], base))
    for world in (few, many):
        messages = " to ".join(sorted({str(r["messages"]) for r in world.requests}))
        name = f"DynamoDB requests per fan-out, {world.others:,} others"
        out.rows.append([name, _requests(world.requests), "", ""])
        name = f"items read / deliveries queued per fan-out, {world.others:,} others"
        out.rows.append([name, f"{_items_read(world.requests)} / {messages}", "", ""])
    hooks = report.hooks
    health = _p50(hooks["health"])
    out.rows.append(_row("health GET /api/v1/health (baseline)", hooks["health"]))
    for mode, label in MODE_LABELS.items():
        out.rows.append(_row(f"POST /hooks/{{id}}, {label}", hooks[mode], health))
    recorded = hooks["recorded"]
    out.rows.append(["AWS requests per hook", f"{len(recorded)}: {', '.join(recorded)}", "", ""])
    delivery = report.delivery
    if delivery["latencies"]:
        latencies = delivery["latencies"]
        out.rows.append(
            [
                f"event -> signed delivery received ({len(latencies)} events)",
                _ms(statistics.median(latencies)),
                _ms(percentile(latencies, 99)),
                "",
            ]
        )
    out.rows.append(
        [
            "deliveries received / verified / lost",
            f"{delivery['received']} / {delivery['verified']} / {delivery['lost']} "
            f"of {report.published}",
            "",
            "",
        ]
    )
    out.notes += [
        "Fan-out: the bus-events worker's Lambda handler given one record (a new event: its "
        "idempotency record, two Queries on the team's subscription partitions, the "
        f"delivery, its queued attempt), {len(few.ns['moto'])} calls per world and mode, "
        "two warm worker processes (one per world) taking turns in blocks; the others are "
        "other teams' endpoints on the same type and the team's own on other types.",
        "Why three timings: moto answers in this process with milliseconds of CPU per "
        "request, and its Query reads and sorts the whole table where DynamoDB reads one "
        "partition, so over moto the fan-out grows with the table and a hook pays moto's "
        "work on each request, while health makes none. 'Answers replayed to botocore': the "
        "emulator's answers to one call (recorded in that world's own table), given back "
        "at botocore's before-send for each later call: validation, serialisation, SigV4 "
        "signing and parsing stay in, moto's work and network latency do not. That is "
        "what the function itself spends on Lambda, and the targets are held to it; 'over "
        "moto' is the honest end to end on the emulator; 'past botocore' answers at "
        "_make_api_call, leaving the project's own code (the difference is botocore's).",
        "Hooks: a standard-webhooks source, each request signed anew with its own message "
        "id (the replay claim succeeds) and address (the rate limit of 60 a minute never "
        "answers 429), through Mangum; health is the liveness route, in the same process, "
        "interleaved block by block.",
        "Delivery: the local runtime with its queue pump in the background thread "
        "(a round every 50 ms, as `make dev`), events published one at a time with "
        "shared.events.publish (bus rule -> bus-events -> fan-out -> webhook-deliveries -> "
        "delivery) to a loopback receiver verifying each with `standardwebhooks`; time from "
        "the publish call to the request's arrival.",
    ]
    return out


def checks(report: EventsReport) -> list[Check]:
    few, many = report.fanout
    hooks, delivery = report.hooks, report.delivery

    def growth(mode: str) -> float:
        return _p50(many.ns[mode]) / _p50(few.ns[mode])

    def vs_health(mode: str) -> float:
        return _p50(hooks[mode]) / _p50(hooks["health"])

    shapes = {tuple(r["operations"]) for r in few.requests + many.requests}
    found = [
        Check(
            f"fan-out p50, 1 match among {many.others:,} vs {few.others} others "
            "(answers replayed to botocore)",
            f"{growth('botocore'):.2f}x (over moto {growth('moto'):.2f}x)",
            f"<= {MAX_FANOUT_GROWTH:.1f}x",
            growth("botocore") <= MAX_FANOUT_GROWTH,
        ),
        Check(
            f"fan-out DynamoDB requests, {many.others:,} vs {few.others} others",
            _requests(many.requests),
            "the same, no Scan",
            len(shapes) == 1 and "Scan" not in next(iter(shapes)),
        ),
        Check(
            "POST /hooks/{id} p50 vs health p50 (answers replayed to botocore)",
            f"{vs_health('botocore'):.2f}x (over moto {vs_health('moto'):.2f}x, "
            f"past botocore {vs_health('code'):.2f}x)",
            f"<= {MAX_HOOK_VS_HEALTH:.1f}x",
            vs_health("botocore") <= MAX_HOOK_VS_HEALTH,
        ),
    ]
    misses = few.misses + many.misses + hooks["misses"]
    failures = [*few.failed, *many.failed, *hooks["unexpected"]]
    if misses or failures:
        found.append(
            Check(
                "events: every call succeeded, every request answered as recorded",
                f"{misses} requests unlike the recorded ones; " + "; ".join(failures)[:80],
                "0",
                False,
            )
        )
    latencies = delivery["latencies"]
    complete = delivery["lost"] == 0 and delivery["verified"] == report.published
    found.append(
        Check(
            f"event -> signed delivery p50, local runtime ({report.published} events)",
            (
                f"{_ms(statistics.median(latencies))} (p99 {_ms(percentile(latencies, 99))}; "
                if latencies
                else "nothing arrived ("
            )
            + f"{delivery['verified']} verified, {delivery['lost']} lost)",
            f"<= {MAX_DELIVERY_P50:.0f} s, all verified",
            bool(latencies) and statistics.median(latencies) <= MAX_DELIVERY_P50 and complete,
        )
    )
    return found


if __name__ == "__main__":
    kind, *numbers = sys.argv[1:]
    values = [int(number) for number in numbers]
    if kind == "fanout":
        _fanout_worker(*values)
    elif kind == "hooks":
        print(json.dumps(_hooks_child(*values)))
    else:
        print(json.dumps(_delivery_child(*values)))

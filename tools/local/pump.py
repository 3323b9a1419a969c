"""What Lambda's SQS event-source mappings and EventBridge Scheduler do, locally.

Each round receives from every queue a worker consumes (``functions.registry`` WORKERS'
``consumes``, the same data CDK turns into event-source mappings), hands the batch to the
worker's handler through emulated Lambda in the event shape Lambda gives, and deletes
what the handler did not report in ``batchItemFailures``. A failed message is left as
SQS leaves it: invisible for the queue's visibility timeout, received again after it,
and moved by the redrive policy to the dead-letter queue after its max receives. Due
schedules of the product's group are fired: their input (with
``<aws.scheduler.scheduled-time>`` replaced by the time it was due) is sent to their
target queue. A one-time schedule fires once and is deleted when it says so
(ActionAfterCompletion DELETE); a recurring one (cron or rate, in its time zone, within its
start and end: shared.triggers.schedule computes the times as the Scheduler does) fires
exactly once per scheduled time that the (driven) clock has reached since it was last
written, as the Scheduler fires from the moment a schedule is created or updated.

Scheduled workers (``schedule_minutes``) are invoked every that many minutes of the
(driven) clock, as their EventBridge Scheduler schedules invoke them.

`make dev` runs rounds in a background thread (`running`); tests call `drain()`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.queues import QUEUES_BY_KEY, queue_name
from shared.settings import LOCAL_ACCOUNT_ID, Settings
from tools.local.emulator import enabled_schedules, invoke, receivable_queues

logger = logging.getLogger(__name__)

# Lambda's default batch for a queue that is not in shared.queues (a dead-letter queue).
DEFAULT_BATCH_SIZE = 10
# How often `make dev` runs a round: a queued message reaches its consumer within this.
ROUND_SECONDS = 0.05
# What EventBridge Scheduler replaces in a target's Input, and the form it writes.
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
SCHEDULED_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# A clock driven far ahead fires at most this many times of one schedule per round (the
# rest in the next rounds, in order).
MAX_FIRES_PER_ROUND = 100


@dataclass(frozen=True, slots=True)
class Mapping:
    """An event-source mapping: the queue (a shared.queues key, a `<key>-dlq` or the bus's
    dead-letter key) and the function its batches invoke."""

    queue_key: str
    function_name: str

    @property
    def batch_size(self) -> int:
        spec = QUEUES_BY_KEY.get(self.queue_key)
        return spec.batch_size if spec else DEFAULT_BATCH_SIZE


def worker_mappings(settings: Settings) -> tuple[Mapping, ...]:
    """One mapping per queue each worker consumes, as CDK deploys them."""
    from functions.registry import WORKERS

    return tuple(
        Mapping(key, f"{settings.resource_prefix}-{worker.name}")
        for worker in WORKERS
        for key in worker.consumes
    )


@dataclass(frozen=True, slots=True)
class ScheduledRun:
    """A worker EventBridge Scheduler invokes every `minutes` (its `schedule_minutes`)."""

    function_name: str
    minutes: int


def scheduled_runs(settings: Settings) -> tuple[ScheduledRun, ...]:
    """One per scheduled worker, as CDK deploys their schedules."""
    from functions.registry import WORKERS

    return tuple(
        ScheduledRun(f"{settings.resource_prefix}-{worker.name}", worker.schedule_minutes)
        for worker in WORKERS
        if worker.schedule_minutes is not None
    )


def _sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A message as Lambda's SQS event carries it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def _failed_ids(answer: Any, message_ids: set[str]) -> set[str]:
    """The records to leave on the queue, read as Lambda reads a partial batch response:
    an answer naming a record that is not in the batch fails the whole batch."""
    if not isinstance(answer, dict) or not answer.get("batchItemFailures"):
        return set()
    failed = {str(item.get("itemIdentifier") or "") for item in answer["batchItemFailures"]}
    return failed if failed <= message_ids else set(message_ids)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def schedule_time(expression: str, timezone: str | None) -> datetime | None:
    """When a one-time schedule (`at(yyyy-mm-ddThh:mm:ss)`) runs; None for recurring ones."""
    if not expression.startswith("at(") or not expression.endswith(")"):
        return None
    moment = datetime.fromisoformat(expression[3:-1])
    return moment.replace(tzinfo=ZoneInfo(timezone) if timezone else UTC)


class LocalPump:
    """Carries messages from the emulated queues to their consumers, and fires due
    one-time schedules. Rounds may run from one thread at a time."""

    def __init__(
        self,
        settings: Settings,
        mappings: Iterable[Mapping] | None = None,
        scheduled: Iterable[ScheduledRun] | None = None,
    ) -> None:
        self.settings = settings
        self.mappings = tuple(worker_mappings(settings) if mappings is None else mappings)
        # Scheduled workers (the reconciler, the fleet sweep): each runs once its period of
        # the (driven) clock has passed since the pump started or it last ran. Given
        # mappings alone, a test's pump runs none.
        if scheduled is None:
            scheduled = scheduled_runs(settings) if mappings is None else ()
        self.scheduled = tuple(scheduled)
        self._next_runs: dict[str, datetime] = {}
        self._urls: dict[str, str] = {}
        # One-time schedules that ran and are kept (ActionAfterCompletion NONE): once.
        self._fired: set[tuple[str, str]] = set()
        # Recurring schedules: the write they were last seen at (LastModificationDate) and
        # the earliest time still to fire, so each scheduled time fires once.
        self._recurring: dict[tuple[str, str], tuple[datetime, datetime]] = {}
        self._lock = threading.Lock()
        # What the last round moved, by queue: the error of a drain that never settles.
        self.last_round: dict[str, int] = {}

    def _queue_url(self, name: str) -> str:
        if name not in self._urls:
            from shared.aws import client

            self._urls[name] = client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
        return self._urls[name]

    def run_once(self) -> int:
        """One round: every mapping's batch, then the due schedules. How many messages were
        handed to a consumer or sent by a schedule."""
        with self._lock:
            receivable = receivable_queues(self.settings.aws_region)
            counts = {m.queue_key: self._pump(m, receivable) for m in self.mappings}
            self._run_scheduled()
            fired = self._fire_due_schedules()
            self.last_round = {key: n for key, n in counts.items() if n}
            if fired:
                self.last_round["schedules fired"] = fired
            return sum(counts.values()) + fired

    def _run_scheduled(self) -> None:
        """Invoke each scheduled worker whose time has come, once however far the clock
        jumped (a sweep or reconcile catches up in one run), as a Scheduler event."""
        now = datetime.now(UTC)
        for run in self.scheduled:
            period = timedelta(minutes=run.minutes)
            due = self._next_runs.setdefault(run.function_name, now + period)
            if due > now:
                continue
            while due <= now:
                due += period
            self._next_runs[run.function_name] = due
            event = {"source": "aws.scheduler", "time": now.strftime(SCHEDULED_TIME_FORMAT)}
            try:
                invoke(run.function_name, event)
            except Exception:  # a failed run is retried at its next time, as Lambda's
                logger.exception("scheduled worker failed", extra={"function": run.function_name})

    def drain(self, max_rounds: int = 100) -> int:
        """Rounds until one moves nothing and no mapped queue holds a message ready (a
        failed message waits out its visibility timeout: drive the clock past it to see it
        again). How many moved in all."""
        total = 0
        for _ in range(max_rounds):
            moved = self.run_once()
            # A receive that moved a message to its dead-letter queue answers nothing, yet
            # the dead-letter queue now holds work for the archiver.
            if not moved and not self._ready():
                return total
            total += moved
        raise RuntimeError(
            f"the queues still moved after {max_rounds} rounds (the last: {self.last_round})"
        )

    def _ready(self) -> bool:
        receivable = receivable_queues(self.settings.aws_region)
        prefix = self.settings.resource_prefix
        return any(queue_name(prefix, mapping.queue_key) in receivable for mapping in self.mappings)

    def _pump(self, mapping: Mapping, receivable: set[str]) -> int:
        from shared.aws import client

        name = queue_name(self.settings.resource_prefix, mapping.queue_key)
        if name not in receivable:
            return 0
        sqs = client("sqs")
        url = self._queue_url(name)
        messages = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=mapping.batch_size,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not messages:
            return 0
        arn = f"arn:aws:sqs:{self.settings.aws_region}:{LOCAL_ACCOUNT_ID}:{name}"
        event = {"Records": [_sqs_record(m, arn, self.settings.aws_region) for m in messages]}
        ids = {m["MessageId"] for m in messages}
        try:
            failed = _failed_ids(invoke(mapping.function_name, event), ids)
        except Exception:
            # An invocation error returns the whole batch to the queue, as Lambda does.
            logger.exception("%s failed a batch from %s", mapping.function_name, name)
            failed = ids
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        return len(messages)

    def _fire_due_schedules(self) -> int:
        from shared.aws import client

        group = self.settings.schedule_group_name
        now = datetime.now(UTC)
        fired = 0
        for name, expression, timezone in enabled_schedules(group, self.settings.aws_region):
            at = schedule_time(expression, timezone)
            if at is None:
                fired += self._fire_recurring(group, name, now)
                continue
            if at > now or (group, name) in self._fired:
                continue
            schedule = client("scheduler").get_schedule(GroupName=group, Name=name)
            if not self._fire(schedule, at):
                self._fired.add((group, name))
            fired += 1
        return fired

    def _fire_recurring(self, group: str, name: str, now: datetime) -> int:
        """Fire each time of a cron or rate schedule from its last write up to `now` not
        fired yet, in order; how many fired."""
        from shared.aws import client
        from shared.triggers.schedule import next_fire_times, parse_schedule

        schedule = client("scheduler").get_schedule(GroupName=group, Name=name)
        written = _utc(schedule["LastModificationDate"])
        seen = self._recurring.get((group, name))
        if seen is None or seen[0] != written:
            # Fires count from the write (as the Scheduler's do), never twice for one time.
            floor = written if seen is None else max(written, seen[1])
        else:
            floor = seen[1]
        expression = schedule["ScheduleExpression"]
        config: dict[str, Any] = {
            "cron" if expression.startswith("cron(") else "rate": expression,
            "timezone": schedule.get("ScheduleExpressionTimezone") or "UTC",
        }
        for bound, field in (("StartDate", "start"), ("EndDate", "end")):
            if schedule.get(bound):
                config[field] = _utc(schedule[bound])
        due = [
            moment
            for moment in next_fire_times(
                parse_schedule(config), floor, MAX_FIRES_PER_ROUND, created_at=written
            )
            if moment <= now
        ]
        for moment in due:
            self._fire(schedule, moment)
            floor = moment + timedelta(microseconds=1)
        self._recurring[(group, name)] = (written, floor)
        return len(due)

    def _fire(self, schedule: dict[str, Any], scheduled_for: datetime) -> bool:
        """Send the schedule's input to its target queue (its dead-letter queue when the
        target cannot take it), then delete it if it deletes itself after running.
        Whether it was deleted."""
        from shared.aws import client

        sqs = client("sqs")
        target = schedule["Target"]
        body = target.get("Input", "{}").replace(
            SCHEDULED_TIME, scheduled_for.astimezone(UTC).strftime(SCHEDULED_TIME_FORMAT)
        )
        try:
            url = self._queue_url(target["Arn"].split(":")[5])
            sqs.send_message(QueueUrl=url, MessageBody=body)
        except Exception:
            dead_letter = target.get("DeadLetterConfig", {}).get("Arn")
            if not dead_letter:
                raise
            logger.exception("schedule %s could not reach its target", schedule["Name"])
            sqs.send_message(QueueUrl=self._queue_url(dead_letter.split(":")[5]), MessageBody=body)
        if schedule.get("ActionAfterCompletion") != "DELETE":
            return False
        client("scheduler").delete_schedule(GroupName=schedule["GroupName"], Name=schedule["Name"])
        return True

    @contextmanager
    def running(self, interval: float = ROUND_SECONDS) -> Iterator[None]:
        """Rounds every `interval` seconds in a background thread, stopped (the round in
        progress finished) when the block exits."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.is_set():
                try:
                    self.run_once()
                except Exception:
                    logger.exception("local queue pump round failed")
                stop.wait(interval)

        thread = threading.Thread(target=loop, name="local-queue-pump", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

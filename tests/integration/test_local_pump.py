"""The local event machinery: queues with redrive, the bus rule, send_later's two paths and
the pump that plays Lambda's event-source mappings and EventBridge Scheduler. The clock is
driven (time-machine); nothing waits for it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from shared.aws import client
from shared.ids import new_id
from shared.queues import BUS_DEAD_LETTER_KEY, QUEUES, QUEUES_BY_KEY, QueueSpec, queue_url
from shared.schedules import send_later
from shared.settings import get_settings
from tools.local.emulator import create_queue, register_function
from tools.local.pump import LocalPump, Mapping

pytestmark = pytest.mark.usefixtures("aws")

START = datetime(2031, 3, 4, 10, 0, tzinfo=UTC)


class Probe:
    """A worker's handler: records every SQS event it is given; fails as it is told."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.fail_bodies: set[str] = set()
        self.raise_always = False

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        if self.raise_always:
            raise RuntimeError("the receiver is down")
        failures = [
            {"itemIdentifier": record["messageId"]}
            for record in event["Records"]
            if json.loads(record["body"]).get("n") in self.fail_bodies
        ]
        return {"batchItemFailures": failures}

    @property
    def records(self) -> list[dict[str, Any]]:
        return [record for event in self.events for record in event["Records"]]

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(record["body"]) for record in self.records]


@pytest.fixture
def probe_queue(monkeypatch: pytest.MonkeyPatch) -> QueueSpec:
    """A queue of its own (as shared.queues would declare it), with a short visibility
    timeout and three receives before its dead-letter queue."""
    spec = QueueSpec(
        f"probe-{new_id().lower()}",
        "a test's queue",
        consumer="probe",
        visibility_timeout_seconds=30,
        max_receive_count=3,
        batch_size=5,
    )
    create_queue(spec, get_settings())
    monkeypatch.setitem(QUEUES_BY_KEY, spec.key, spec)
    return spec


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
def probe_pump(probe_queue: QueueSpec, probe: Probe) -> LocalPump:
    name = f"factory-test-probe-{probe_queue.key}"
    register_function(name, probe)
    return LocalPump(get_settings(), [Mapping(probe_queue.key, name)])


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def receive_all(key: str) -> list[dict[str, Any]]:
    messages = client("sqs").receive_message(
        QueueUrl=queue_url(key), MaxNumberOfMessages=10, VisibilityTimeout=0
    )
    return messages.get("Messages", [])


def schedules() -> list[dict[str, Any]]:
    scheduler = client("scheduler")
    group = get_settings().schedule_group_name
    return [
        scheduler.get_schedule(GroupName=group, Name=summary["Name"])
        for summary in scheduler.list_schedules(GroupName=group)["Schedules"]
    ]


# --- what the emulator creates ---------------------------------------------------------


def test_every_queue_has_its_dead_letter_queue_and_the_specs_redrive() -> None:
    sqs = client("sqs")
    prefix = get_settings().resource_prefix
    for spec in QUEUES:
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url(spec.key), AttributeNames=["All"])[
            "Attributes"
        ]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"].endswith(f":{spec.dead_letter_name(prefix)}")
        assert int(redrive["maxReceiveCount"]) == spec.max_receive_count
        assert int(attributes["VisibilityTimeout"]) == spec.visibility_timeout_seconds
        sqs.get_queue_url(QueueName=spec.dead_letter_name(prefix))


def test_the_bus_dead_letter_queue_has_the_name_infra_gives_it() -> None:
    from infra.names import dead_letter_queue_name

    prefix = get_settings().resource_prefix
    assert f"{prefix}-{BUS_DEAD_LETTER_KEY}" == dead_letter_queue_name(prefix)
    client("sqs").get_queue_url(QueueName=dead_letter_queue_name(prefix))


def test_a_published_event_reaches_bus_events_through_the_rule(probe: Probe) -> None:
    from shared import events

    name = "factory-test-probe-bus-events"
    register_function(name, probe)
    pump = LocalPump(get_settings(), [Mapping("bus-events", name)])
    pump.drain()  # what earlier tests published
    probe.events.clear()
    marker = new_id()

    assert events.publish("job.completed", {"team_id": "t-bus", "job_id": marker})
    pump.drain()

    [event] = [body for body in probe.bodies if body["detail"].get("job_id") == marker]
    assert event["detail-type"] == "job.completed"
    assert event["source"] == events.SOURCE
    assert event["detail"]["team_id"] == "t-bus"
    assert event["id"]


# --- the pump ---------------------------------------------------------------------------


def test_a_message_reaches_its_worker_as_lambda_delivers_it_and_is_deleted(
    probe_queue: QueueSpec, probe: Probe, probe_pump: LocalPump
) -> None:
    from shared.queues import send

    message_id = send(probe_queue.key, {"n": "1"})

    assert probe_pump.drain() == 1

    [event] = probe.events
    [record] = event["Records"]
    assert record["messageId"] == message_id
    assert record["receiptHandle"]
    assert json.loads(record["body"]) == {"n": "1"}
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == (
        f"arn:aws:sqs:us-east-1:123456789012:factory-test-{probe_queue.key}"
    )
    assert receive_all(probe_queue.key) == []


def test_records_a_worker_reports_failed_come_back_after_the_visibility_timeout(
    probe_queue: QueueSpec, probe: Probe, probe_pump: LocalPump, clock: time_machine.Traveller
) -> None:
    from shared.queues import send_many

    probe.fail_bodies = {"bad"}
    send_many(probe_queue.key, [{"n": "good"}, {"n": "bad"}])

    assert probe_pump.drain() == 2
    assert probe_pump.drain() == 0  # invisible while the timeout runs
    clock.shift(timedelta(seconds=31))
    probe.fail_bodies = set()
    assert probe_pump.drain() == 1

    [again] = probe.events[-1]["Records"]
    assert json.loads(again["body"]) == {"n": "bad"}
    assert again["attributes"]["ApproximateReceiveCount"] == "2"
    clock.shift(timedelta(seconds=31))
    assert probe_pump.drain() == 0


def test_a_message_its_worker_always_fails_ends_in_the_dead_letter_queue(
    probe_queue: QueueSpec, probe: Probe, probe_pump: LocalPump, clock: time_machine.Traveller
) -> None:
    from shared.queues import send

    probe.raise_always = True
    send(probe_queue.key, {"n": "doomed"})

    for _ in range(probe_queue.max_receive_count + 2):
        probe_pump.drain()
        clock.shift(timedelta(seconds=probe_queue.visibility_timeout_seconds + 1))

    receives = [r["attributes"]["ApproximateReceiveCount"] for r in probe.records]
    assert receives == [str(n) for n in range(1, probe_queue.max_receive_count + 1)]
    assert receive_all(probe_queue.key) == []
    [dead] = receive_all(probe_queue.dead_letter_key())
    assert json.loads(dead["Body"]) == {"n": "doomed"}


def test_send_later_within_fifteen_minutes_is_an_sqs_delay(
    probe_queue: QueueSpec, probe: Probe, probe_pump: LocalPump, clock: time_machine.Traveller
) -> None:
    before = {s["Name"] for s in schedules()}
    send_later(probe_queue.key, {"n": "5 min"}, START + timedelta(minutes=5))

    assert {s["Name"] for s in schedules()} == before
    clock.shift(timedelta(minutes=5) - timedelta(seconds=1))
    assert probe_pump.drain() == 0
    clock.shift(timedelta(seconds=1))
    assert probe_pump.drain() == 1
    assert probe.bodies == [{"n": "5 min"}]


def test_send_later_beyond_fifteen_minutes_is_a_one_time_schedule_that_deletes_itself(
    probe_queue: QueueSpec, probe: Probe, probe_pump: LocalPump, clock: time_machine.Traveller
) -> None:
    settings = get_settings()
    send_later(probe_queue.key, {"n": "2 h"}, START + timedelta(hours=2, microseconds=1))

    [schedule] = [s for s in schedules() if s["Name"].startswith(f"{probe_queue.key}-")]
    # A time between whole seconds runs at the next one: never early.
    assert schedule["ScheduleExpression"] == "at(2031-03-04T12:00:01)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["ActionAfterCompletion"] == "DELETE"
    prefix = settings.resource_prefix
    target = schedule["Target"]
    assert target["Arn"] == f"arn:aws:sqs:us-east-1:123456789012:{prefix}-{probe_queue.key}"
    assert target["DeadLetterConfig"]["Arn"] == (
        f"arn:aws:sqs:us-east-1:123456789012:{prefix}-{probe_queue.key}-dlq"
    )
    assert target["RoleArn"] == settings.schedule_role_arn
    assert json.loads(target["Input"]) == {"n": "2 h"}

    assert probe_pump.drain() == 0
    clock.shift(timedelta(hours=2))
    assert probe_pump.drain() == 0
    clock.shift(timedelta(seconds=1))
    # The schedule fires (1), then its message reaches the worker (1).
    assert probe_pump.drain() == 2
    assert probe.bodies == [{"n": "2 h"}]
    assert not [s for s in schedules() if s["Name"] == schedule["Name"]]
    clock.shift(timedelta(hours=1))
    assert probe_pump.drain() == 0


def test_a_one_time_schedule_kept_after_running_runs_once(
    probe_queue: QueueSpec, probe: Probe, probe_pump: LocalPump, clock: time_machine.Traveller
) -> None:
    settings = get_settings()
    prefix = settings.resource_prefix
    name = f"{probe_queue.key}-kept"
    client("scheduler").create_schedule(
        Name=name,
        GroupName=settings.schedule_group_name,
        ScheduleExpression="at(2031-03-04T10:30:00)",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="NONE",
        Target={
            "Arn": f"arn:aws:sqs:us-east-1:123456789012:{prefix}-{probe_queue.key}",
            "RoleArn": settings.schedule_role_arn,
            "Input": json.dumps({"n": "kept"}),
        },
    )

    clock.shift(timedelta(minutes=31))
    assert probe_pump.drain() == 2
    clock.shift(timedelta(minutes=31))
    assert probe_pump.drain() == 0
    assert probe.bodies == [{"n": "kept"}]
    client("scheduler").delete_schedule(GroupName=settings.schedule_group_name, Name=name)


def test_send_later_refuses_a_time_without_a_timezone(probe_queue: QueueSpec) -> None:
    with pytest.raises(ValueError, match="timezone"):
        send_later(probe_queue.key, {"n": "?"}, datetime(2031, 3, 4, 12, 0))


def test_running_carries_messages_in_the_background_and_stops_cleanly(
    probe_queue: QueueSpec, probe: Probe, probe_pump: LocalPump
) -> None:
    from shared.queues import send

    delivered = threading.Event()
    register_function(
        probe_pump.mappings[0].function_name,
        lambda event, context: (probe(event, context), delivered.set())[0],
    )

    with probe_pump.running(interval=0.01):
        send(probe_queue.key, {"n": "bg"})
        assert delivered.wait(timeout=10)

    assert not [t for t in threading.enumerate() if t.name == "local-queue-pump"]
    assert probe.bodies == [{"n": "bg"}]

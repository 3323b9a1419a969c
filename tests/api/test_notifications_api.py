"""Notifications: the per-user inbox (list, unread count, read one or all), preferences,
rules (built-in and the team's own) and the notifier that turns the product's events into
inbox items and channel deliveries, end to end through the local runtime (bus rule ->
notification-events -> notifier), and each bad input."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from shared import events
from shared.notifications import notifier
from tests.factories import Account, assert_error

NOTES = "/api/v1/notifications"
RULES = f"{NOTES}/rules"
PREFERENCES = f"{NOTES}/preferences"
_events = itertools.count(1)


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


@pytest.fixture
def member(new_account: Callable[..., Account], admin: Account) -> Account:
    return new_account(invited_by=admin, role="member")


def job_failed(team_id: str, slug: str = "todo-api") -> dict[str, Any]:
    return {
        "team_id": team_id,
        "job_id": "01JF3Z9A1B2C3D4E5F6G7H8J9K",
        "slug": slug,
        "phase": "tests",
        "status": "failed",
        "message": "the tests phase failed 3 times",
    }


def bus_event(event_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    """An EventBridge event as the notification-events queue carries it."""
    return {
        "version": "0",
        "id": f"evt-{next(_events)}-{detail['team_id']}",
        "detail-type": event_type,
        "source": "software-factory",
        "time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "detail": detail,
    }


def inbox(account: Account, **query: Any) -> list[dict[str, Any]]:
    answer = account.client.get(NOTES, headers=account.headers, params=query)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def unread(account: Account) -> int:
    answer = account.client.get(f"{NOTES}/unread-count", headers=account.headers)
    assert answer.status_code == 200, answer.text
    count: int = answer.json()["count"]
    return count


def add_rule(admin: Account, **body: Any) -> dict[str, Any]:
    answer = admin.client.post(
        RULES,
        headers=admin.headers,
        json={"name": "completed", "event": "job.completed", "recipients": [{"type": "team"}]}
        | body,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def add_channel(team_id: str, channel_type: str = "email") -> str:
    from shared.ids import new_id, utcnow
    from shared.notifications import channel_store
    from shared.notifications.channel_domain import Channel

    now = utcnow()
    channel = Channel(
        id=new_id(),
        team_id=team_id,
        name=f"{channel_type} channel",
        type=channel_type,  # type: ignore[arg-type]
        settings={},
        hints={},
        created_at=now,
        updated_at=now,
    )
    return channel_store.create_channel(channel).id


@pytest.fixture
def deliveries(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The notification-deliveries messages the notifier sends (kept from the queue)."""
    sent: list[dict[str, Any]] = []

    def capture(key: str, bodies: list[dict[str, Any]]) -> None:
        assert key == "notification-deliveries"
        sent.extend(bodies)

    monkeypatch.setattr(notifier.queues, "send_many", capture)
    return sent


# --- the notifier, end to end ---------------------------------------------------------


def test_a_failed_job_reaches_the_admins_inbox_through_the_runtime(
    admin: Account, member: Account, pump: Any, lambda_context: Any
) -> None:
    # Given a team with an admin and a member, and no rule of its own
    pump.drain()

    # When a job of the team fails (the event on the bus) and the runtime runs once
    assert events.publish("job.failed", job_failed(admin.team_id))
    pump.drain()

    # Then the built-in "job failed" rule put one item in the admin's inbox, in words
    [note] = inbox(admin)
    assert note["kind"] == "job.failed"
    assert note["title"] == "Job todo-api failed"
    assert "tests phase" in note["body"]
    assert note["link"] == "/jobs/01JF3Z9A1B2C3D4E5F6G7H8J9K"
    assert note["read"] is False
    assert unread(admin) == 1
    # and nothing for the member (the built-in tells admins)
    assert inbox(member) == []
    assert unread(member) == 0


def test_an_event_handled_twice_adds_one_item(
    admin: Account, lambda_context: Any, deliveries: list[dict[str, Any]]
) -> None:
    from functions.notifier.handler import handler

    event = bus_event("job.failed", job_failed(admin.team_id))
    record = {
        "messageId": "m-1",
        "receiptHandle": "r-1",
        "body": json.dumps(event),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:notification-events",
        "awsRegion": "us-east-1",
    }

    # SQS delivers at least once: the same message twice, in two batches
    for _ in range(2):
        assert handler({"Records": [record]}, lambda_context) == {"batchItemFailures": []}
    # and the work itself, run again past the idempotency record (a retry after a
    # partial failure), adds nothing either
    assert notifier.notify(event).notes == 0

    assert len(inbox(admin)) == 1
    assert unread(admin) == 1


def test_the_notifier_queries_and_never_scans(
    admin: Account, dynamodb_calls: list[str], deliveries: list[dict[str, Any]]
) -> None:
    notifier.notify(bus_event("job.failed", job_failed(admin.team_id)))

    assert "Scan" not in dynamodb_calls
    # rules: job.failed, job.* and * (three Queries); the team's users (a Query and its
    # count), their preferences (one Query); the item and its count (one transaction)
    assert dynamodb_calls.count("Query") <= 6
    assert dynamodb_calls.count("TransactWriteItems") == 1
    assert len(inbox(admin)) == 1


def test_events_of_other_teams_and_types_no_rule_names_add_nothing(
    admin: Account, new_account: Callable[..., Account], deliveries: list[dict[str, Any]]
) -> None:
    other = new_account()
    notifier.notify(bus_event("job.failed", job_failed(other.team_id)))
    notifier.notify(bus_event("job.completed", {**job_failed(admin.team_id), "status": "done"}))
    assert inbox(admin) == []
    assert len(inbox(other)) == 1


def test_a_hook_received_rule_filters_on_the_senders_body(
    admin: Account, deliveries: list[dict[str, Any]]
) -> None:
    from shared.hooks import event_store
    from shared.ids import new_id

    source = new_id()
    add_rule(admin, event="hook.received", filters={"payload.ref": "refs/heads/main"})

    def received(ref: str) -> dict[str, Any]:
        event_id = new_id()
        body = json.dumps({"ref": ref})
        at = datetime.now(UTC)
        event_store.save_event(admin.team_id, source, event_id, "push", at, body, None)
        detail = {"team_id": admin.team_id, "source_id": source, "event_id": event_id}
        return bus_event("hook.received", {**detail, "sender_type": "push", "scheme": "github"})

    # A push to main is notified; one to another branch is not
    assert notifier.notify(received("refs/heads/main")).notes == 1
    assert notifier.notify(received("refs/heads/x")).notes == 0
    [note] = inbox(admin)
    assert note["kind"] == "hook.received"


def test_an_event_the_notifier_keeps_failing_on_is_dead_lettered_and_retried(
    admin: Account, pump: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.queues import QUEUES_BY_KEY

    spec = QUEUES_BY_KEY["notification-events"]
    pump.drain()

    def broken(team_id: str, event: Any) -> Any:
        raise RuntimeError("rules unavailable")

    # Given a notifier that fails on every receive of an event
    monkeypatch.setattr(notifier, "rules_for", broken)
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        assert events.publish("job.failed", job_failed(admin.team_id))
        # One drain more than the receives: SQS moves it to notification-events-dlq, and
        # the same drain carries it on to the archiver.
        for _ in range(spec.max_receive_count + 1):
            pump.drain()
            clock.shift(timedelta(seconds=spec.visibility_timeout_seconds + 1))

    # Then it is a dead-letter item of the team, from notification-events
    dead = admin.client.get("/api/v1/dead-letter", headers=admin.headers).json()["items"]
    [item] = [item for item in dead if item["source"] == "notification-events"]
    assert item["origin_queue"] == "notification-events"
    assert item["payload"]["detail-type"] == "job.failed"
    assert inbox(admin) == []

    # and once the notifier works again, a retry notifies
    monkeypatch.undo()
    retried = admin.client.post(f"/api/v1/dead-letter/{item['id']}/retry", headers=admin.headers)
    assert retried.status_code == 200, retried.text
    pump.drain()
    [note] = inbox(admin)
    assert note["kind"] == "job.failed"


# --- the inbox ------------------------------------------------------------------------


def test_read_one_and_read_all_move_the_unread_count(
    admin: Account, deliveries: list[dict[str, Any]]
) -> None:
    for slug in ("one", "two", "three"):
        notifier.notify(bus_event("job.failed", job_failed(admin.team_id, slug)))
    notes = inbox(admin)
    # newest first
    assert [note["title"] for note in notes] == [
        "Job three failed",
        "Job two failed",
        "Job one failed",
    ]
    assert unread(admin) == 3

    # one read (twice: the second changes nothing)
    for _ in range(2):
        answer = admin.client.put(f"{NOTES}/{notes[1]['id']}/read", headers=admin.headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["read"] is True
    assert unread(admin) == 2
    assert [note["id"] for note in inbox(admin, unread="true")] == [
        notes[0]["id"],
        notes[2]["id"],
    ]

    # then all
    answer = admin.client.put(f"{NOTES}/read-all", headers=admin.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"marked": 2}
    assert unread(admin) == 0
    assert inbox(admin, unread="true") == []
    assert all(note["read"] for note in inbox(admin))
    # and read-all with nothing unread marks nothing
    assert admin.client.put(f"{NOTES}/read-all", headers=admin.headers).json() == {"marked": 0}


def test_the_inbox_pages_newest_first(admin: Account, deliveries: list[dict[str, Any]]) -> None:
    for slug in ("a", "b", "c"):
        notifier.notify(bus_event("job.failed", job_failed(admin.team_id, slug)))
    first = admin.client.get(NOTES, headers=admin.headers, params={"limit": 2}).json()
    assert first["total"] == 3
    assert [note["title"] for note in first["items"]] == ["Job c failed", "Job b failed"]
    rest = admin.client.get(
        NOTES, headers=admin.headers, params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [note["title"] for note in rest["items"]] == ["Job a failed"]


def test_another_users_or_teams_notification_is_404(
    admin: Account,
    member: Account,
    new_account: Callable[..., Account],
    deliveries: list[dict[str, Any]],
) -> None:
    notifier.notify(bus_event("job.failed", job_failed(admin.team_id)))
    [note] = inbox(admin)
    stranger = new_account()

    for someone in (member, stranger):
        assert_error(someone.client.put(f"{NOTES}/{note['id']}/read", headers=someone.headers), 404)
        assert inbox(someone) == []
    assert_error(admin.client.put(f"{NOTES}/no-such-id/read", headers=admin.headers), 404)
    assert unread(admin) == 1


def test_the_inbox_needs_a_credential(client_at: Callable[..., Any]) -> None:
    assert_error(client_at().get(NOTES), 401)
    assert_error(client_at().get(f"{NOTES}/unread-count"), 401)


# --- preferences ----------------------------------------------------------------------


def test_a_muted_kind_notifies_nothing(admin: Account, deliveries: list[dict[str, Any]]) -> None:
    assert admin.client.get(PREFERENCES, headers=admin.headers).json() | {"updated_at": None} == {
        "muted": [],
        "in_app_only": [],
        "updated_at": None,
    }
    answer = admin.client.put(PREFERENCES, headers=admin.headers, json={"muted": ["job.*"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["muted"] == ["job.*"]
    assert admin.client.get(PREFERENCES, headers=admin.headers).json()["muted"] == ["job.*"]

    notifier.notify(bus_event("job.failed", job_failed(admin.team_id)))
    assert inbox(admin) == []

    # unmuted, the next one comes
    admin.client.put(PREFERENCES, headers=admin.headers, json={"muted": []})
    notifier.notify(bus_event("job.failed", job_failed(admin.team_id)))
    assert len(inbox(admin)) == 1


def test_in_app_only_keeps_a_user_out_of_other_channels(
    admin: Account, member: Account, deliveries: list[dict[str, Any]]
) -> None:
    email = add_channel(admin.team_id, "email")
    add_rule(admin, event="job.failed", channel_ids=[email], recipients=[{"type": "team"}])
    member.client.put(PREFERENCES, headers=member.headers, json={"in_app_only": ["job.failed"]})

    event = bus_event("job.failed", job_failed(admin.team_id))
    notifier.notify(event)

    # one delivery through the e-mail channel, to the admin only
    [delivery] = deliveries
    assert delivery["team_id"] == admin.team_id
    assert delivery["channel_id"] == email
    assert delivery["test"] is False
    assert delivery["recipients"] == [{"user_id": admin.user_id, "email": admin.email}]
    assert delivery["notification"]["kind"] == "job.failed"
    assert delivery["notification"]["title"] == "Job todo-api failed"
    assert delivery["notification"]["event_id"] == event["id"]
    # a rule naming only a non-in-app channel writes no inbox item of its own; the
    # built-in (admins, in the app) still does
    assert len(inbox(admin)) == 1
    assert inbox(member) == []
    # handled again, the delivery keeps its id (the delivery worker takes it once)
    notifier.notify(event)
    assert deliveries[1]["delivery_id"] == delivery["delivery_id"]


@pytest.mark.parametrize(
    "body",
    [
        {"muted": ["job.nothing"]},
        {"in_app_only": ["jo*"]},
        {"muted": [], "digest": True},
        {"muted": "job.failed"},
    ],
)
def test_bad_preferences_are_422(admin: Account, body: dict[str, Any]) -> None:
    assert_error(admin.client.put(PREFERENCES, headers=admin.headers, json=body), 422)


# --- rules ----------------------------------------------------------------------------


def test_every_team_has_the_built_in_rules(admin: Account) -> None:
    answer = admin.client.get(RULES, headers=admin.headers)
    assert answer.status_code == 200, answer.text
    listed = answer.json()
    assert listed["total"] == 5
    assert {rule["event"] for rule in listed["items"]} == {
        "job.failed",
        "approval.requested",
        "budget.threshold_crossed",
        "webhook.endpoint.disabled",
        "trigger.paused",
    }
    assert all(rule["builtin"] and rule["enabled"] for rule in listed["items"])
    assert all(
        rule["recipients"] == [{"type": "role", "role": "admin"}] for rule in listed["items"]
    )


@pytest.mark.parametrize(
    ("event_type", "detail", "title"),
    [
        (
            "approval.requested",
            {"phase": "architecture", "approval_id": "01JF3ZB1C2D3E4F5G6H7J8K9M0"},
            "Approval waiting: todo-api",
        ),
        (
            "approval.requested",
            {"kind": "request", "title": "Ship 1.2", "approval_id": "01JF3ZB1C2D3E4F5G6H7J8K9M0"},
            "Approval waiting: Ship 1.2",
        ),
        (
            "budget.threshold_crossed",
            {"period": "day", "threshold": 80, "spent_usd": 8.1, "limit_usd": 10.0},
            "Budget at 80% of the daily limit",
        ),
        (
            "webhook.endpoint.disabled",
            {"url": "https://example.com/hooks", "reason": "failing for 5 days"},
            "Webhook endpoint disabled",
        ),
        (
            "trigger.paused",
            {"trigger_id": "01JF3ZE2F3G4H5J6K7M8N9P0Q1", "name": "nightly", "failures": 5},
            "Trigger paused: nightly",
        ),
    ],
)
def test_each_built_in_rule_tells_the_admins(
    admin: Account,
    event_type: str,
    detail: dict[str, Any],
    title: str,
    deliveries: list[dict[str, Any]],
) -> None:
    notifier.notify(bus_event(event_type, {"team_id": admin.team_id, "slug": "todo-api"} | detail))
    [note] = inbox(admin)
    assert note["kind"] == event_type
    assert note["title"] == title


def test_rules_crud(admin: Account, member: Account, deliveries: list[dict[str, Any]]) -> None:
    created = add_rule(
        admin,
        name="phase failures",
        event="job.phase.*",
        filters={"data.phase": ["code", "tests"]},
        recipients=[{"type": "role", "role": "member"}, {"type": "user", "user_id": admin.user_id}],
    )
    assert created["builtin"] is False
    assert created["enabled"] is True
    assert created["channel_ids"] == []
    rule_url = f"{RULES}/{created['id']}"
    assert admin.client.get(rule_url, headers=admin.headers).json() == created
    assert created["id"] in [
        rule["id"] for rule in admin.client.get(RULES, headers=admin.headers).json()["items"]
    ]

    # it matches by its pattern and filters, for the recipients it names
    notifier.notify(bus_event("job.phase.failed", job_failed(admin.team_id) | {"phase": "code"}))
    notifier.notify(bus_event("job.phase.failed", job_failed(admin.team_id) | {"phase": "docs"}))
    assert [note["kind"] for note in inbox(member)] == ["job.phase.failed"]
    assert len(inbox(admin)) == 1

    # replaced: another event, the team
    replaced = admin.client.put(
        rule_url,
        headers=admin.headers,
        json={"name": "done", "event": "job.completed", "recipients": [{"type": "team"}]},
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["event"] == "job.completed"
    notifier.notify(bus_event("job.phase.failed", job_failed(admin.team_id) | {"phase": "code"}))
    assert len(inbox(member)) == 1  # the old pattern no longer matches
    notifier.notify(bus_event("job.completed", job_failed(admin.team_id) | {"status": "completed"}))
    assert [note["title"] for note in inbox(member)] == [
        "Job todo-api completed",
        "code failed: todo-api",
    ]

    # deleted
    deleted = admin.client.delete(rule_url, headers=admin.headers)
    assert deleted.status_code == 204
    assert_error(admin.client.get(rule_url, headers=admin.headers), 404)
    assert_error(admin.client.delete(rule_url, headers=admin.headers), 404)
    notifier.notify(bus_event("job.completed", job_failed(admin.team_id)))
    assert len(inbox(member)) == 2


def test_a_built_in_rule_is_changed_not_deleted(
    admin: Account, member: Account, deliveries: list[dict[str, Any]]
) -> None:
    url = f"{RULES}/builtin-job-failed"
    builtin = admin.client.get(url, headers=admin.headers).json()
    body = {key: builtin[key] for key in ("name", "event", "filters", "channel_ids")}

    # its event cannot change, and it cannot be deleted
    assert_error(
        admin.client.put(
            url,
            headers=admin.headers,
            json=body | {"event": "job.cancelled", "recipients": [{"type": "team"}]},
        ),
        422,
    )
    assert_error(admin.client.delete(url, headers=admin.headers), 409)

    # the whole team instead of the admins
    answer = admin.client.put(
        url, headers=admin.headers, json=body | {"recipients": [{"type": "team"}]}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["builtin"] is True
    notifier.notify(bus_event("job.failed", job_failed(admin.team_id)))
    assert len(inbox(member)) == 1
    assert len(inbox(admin)) == 1

    # disabled: nothing more
    disabled = admin.client.put(
        url, headers=admin.headers, json=body | {"recipients": [{"type": "team"}], "enabled": False}
    )
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["enabled"] is False
    notifier.notify(bus_event("job.failed", job_failed(admin.team_id)))
    assert len(inbox(member)) == 1
    assert len(inbox(admin)) == 1
    listed = admin.client.get(RULES, headers=admin.headers).json()
    assert [rule["enabled"] for rule in listed["items"] if rule["id"] == "builtin-job-failed"] == [
        False
    ]
    assert listed["total"] == 5


@pytest.mark.parametrize(
    "body",
    [
        {"event": "job.nothing"},
        {"event": "jo*"},
        {"event": "job.failed", "filters": {"data.no_such_field": "x"}},
        {"event": "job.failed", "filters": {"data.slug": 3}},
        {"recipients": []},
        {"recipients": [{"type": "role", "role": "owner"}]},
        {"recipients": [{"type": "group"}]},
        {"recipients": [{"type": "user", "user_id": "01JF3Z0000000000000000NONE"}]},
        {"channel_ids": ["01JF3Z0000000000000000NONE"]},
        {"name": ""},
        {"colour": "red"},
    ],
)
def test_bad_rules_are_422(admin: Account, body: dict[str, Any]) -> None:
    full = {"name": "r", "event": "job.failed", "recipients": [{"type": "team"}]} | body
    assert_error(admin.client.post(RULES, headers=admin.headers, json=full), 422)


def test_another_teams_channel_or_user_is_422(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    other = new_account()
    their_channel = add_channel(other.team_id)
    for body in (
        {"channel_ids": [their_channel]},
        {"recipients": [{"type": "user", "user_id": other.user_id}]},
    ):
        full = {"name": "r", "event": "job.failed", "recipients": [{"type": "team"}]} | body
        assert_error(admin.client.post(RULES, headers=admin.headers, json=full), 422)


def test_another_teams_rule_is_404(admin: Account, new_account: Callable[..., Account]) -> None:
    rule = add_rule(admin)
    other = new_account()
    url = f"{RULES}/{rule['id']}"
    body = {"name": "mine", "event": "job.failed", "recipients": [{"type": "team"}]}
    assert_error(other.client.get(url, headers=other.headers), 404)
    assert_error(other.client.put(url, headers=other.headers, json=body), 404)
    assert_error(other.client.delete(url, headers=other.headers), 404)
    assert rule["id"] not in [
        r["id"] for r in other.client.get(RULES, headers=other.headers).json()["items"]
    ]
    assert admin.client.get(url, headers=admin.headers).json()["name"] == "completed"


def test_a_member_cannot_see_or_change_rules(admin: Account, member: Account) -> None:
    rule = add_rule(admin)
    body = {"name": "r", "event": "job.failed", "recipients": [{"type": "team"}]}
    assert_error(member.client.get(RULES, headers=member.headers), 403)
    assert_error(member.client.post(RULES, headers=member.headers, json=body), 403)
    assert_error(member.client.get(f"{RULES}/{rule['id']}", headers=member.headers), 403)
    assert_error(member.client.put(f"{RULES}/{rule['id']}", headers=member.headers, json=body), 403)
    assert_error(member.client.delete(f"{RULES}/{rule['id']}", headers=member.headers), 403)
    # but reads their own inbox and preferences
    assert member.client.get(NOTES, headers=member.headers).status_code == 200
    assert member.client.get(PREFERENCES, headers=member.headers).status_code == 200


def test_a_team_holds_a_bounded_number_of_rules(
    admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.notifications import rules

    monkeypatch.setattr(rules, "MAX_RULES", 2)
    # a change to a built-in is not one of the team's own
    builtin = admin.client.get(f"{RULES}/builtin-job-failed", headers=admin.headers).json()
    body = {key: builtin[key] for key in ("name", "event", "recipients")} | {"enabled": False}
    assert (
        admin.client.put(
            f"{RULES}/builtin-job-failed", headers=admin.headers, json=body
        ).status_code
        == 200
    )
    add_rule(admin)
    add_rule(admin)
    full = {"name": "third", "event": "job.failed", "recipients": [{"type": "team"}]}
    assert_error(admin.client.post(RULES, headers=admin.headers, json=full), 409)

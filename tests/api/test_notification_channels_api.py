"""Notification channels end to end: an admin's CRUD under /notifications/channels with
the secrets in Secrets Manager (never in answers nor in the table), the URL policy, test
sends to loopback Slack, Telegram and webhook receivers and to e-mail captured by the
emulated SES; and the notification_delivery worker: retries on the schedule with the clock
driven, the dead-letter queue after the last, a message received twice sending once."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from shared.ids import new_id
from tests.factories import Account, assert_error
from tests.fake_servers import FakeServer, Reply, TelegramBotApi, WebhookReceiver

CHANNELS = "/api/v1/notifications/channels"
SLACK_PATH = "/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


@pytest.fixture
def slack() -> Iterator[FakeServer]:
    """Slack's incoming webhook: 200 `ok` to a POST on the webhook's path."""
    with FakeServer({("POST", SLACK_PATH): Reply(200, "ok")}) as server:
        yield server


def create(admin: Account, body: dict[str, Any]) -> dict[str, Any]:
    answer = admin.client.post(CHANNELS, headers=admin.headers, json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def slack_channel(admin: Account, slack: FakeServer, **extra: Any) -> dict[str, Any]:
    body = {"name": "ops", "type": "slack", "config": {"webhook_url": slack.url + SLACK_PATH}}
    return create(admin, {**body, **extra})


def secret_value(team_id: str, channel_id: str) -> dict[str, str]:
    from shared.aws import client
    from shared.notifications.channel_secrets import secret_name

    found = client("secretsmanager").get_secret_value(SecretId=secret_name(team_id, channel_id))
    value: dict[str, str] = json.loads(found["SecretString"])
    return value


def stored_item(team_id: str, channel_id: str) -> dict[str, Any]:
    """The channel's item as DynamoDB holds it, every attribute."""
    from shared.aws import client
    from shared.settings import get_settings

    found = client("dynamodb").get_item(
        TableName=get_settings().table_name("events"),
        Key={"pk": {"S": f"TEAM#{team_id}"}, "sk": {"S": f"CHANNEL#{channel_id}"}},
    )
    item: dict[str, Any] = found["Item"]
    return item


def dead_letters(team_id: str) -> list[Any]:
    from shared.dead_letter import service as dead_letter
    from shared.pagination import PageParams

    items, _, _ = dead_letter.listing(team_id, PageParams(limit=100), status="pending")
    return items


# --- CRUD and secrets -------------------------------------------------------------------


def test_a_slack_channels_url_lives_in_secrets_manager_and_never_in_answers(
    admin: Account, slack: FakeServer
) -> None:
    url = slack.url + SLACK_PATH

    # When an admin adds a Slack channel
    created = slack_channel(admin, slack)

    # Then the answer shows the URL masked, never the URL
    assert created["type"] == "slack"
    assert created["enabled"] is True
    assert created["config"] == {"webhook_url_hint": f"{slack.url}/…XXXX"}
    assert created["signing_secret"] is None
    # and the URL is the channel's secret in Secrets Manager, not in the table
    assert secret_value(admin.team_id, created["id"]) == {"webhook_url": url}
    assert "XXXXXXXX" not in json.dumps(stored_item(admin.team_id, created["id"]))
    # and no read answers it either
    one = admin.client.get(f"{CHANNELS}/{created['id']}", headers=admin.headers)
    listed = admin.client.get(CHANNELS, headers=admin.headers)
    assert one.status_code == listed.status_code == 200
    for answer in (one, listed):
        assert SLACK_PATH not in answer.text
    assert [item["id"] for item in listed.json()["items"]] == [created["id"]]
    assert one.json() == {key: created[key] for key in one.json()}


def test_replacing_keeps_the_secret_unless_a_new_one_is_given(
    admin: Account, slack: FakeServer
) -> None:
    created = slack_channel(admin, slack)
    path = f"{CHANNELS}/{created['id']}"

    # When it is renamed and disabled without the URL, the stored URL is kept
    renamed = admin.client.put(
        path,
        headers=admin.headers,
        json={"name": "alerts", "type": "slack", "config": {}, "enabled": False},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "alerts"
    assert renamed.json()["enabled"] is False
    assert renamed.json()["config"] == created["config"]
    assert secret_value(admin.team_id, created["id"]) == {"webhook_url": slack.url + SLACK_PATH}

    # When a new URL is given, it replaces the secret
    new_url = f"{slack.url}/services/T111/B111/YYYYYYYYYYYYYYYYYYYYYYYY"
    changed = admin.client.put(
        path,
        headers=admin.headers,
        json={"name": "alerts", "type": "slack", "config": {"webhook_url": new_url}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["config"] == {"webhook_url_hint": f"{slack.url}/…YYYY"}
    assert secret_value(admin.team_id, created["id"]) == {"webhook_url": new_url}

    # A change to a type whose secret is not given is 422 naming it
    assert_error(
        admin.client.put(
            path, headers=admin.headers, json={"name": "x", "type": "webhook", "config": {}}
        ),
        422,
    )

    # Turned into an e-mail channel, its secret is removed
    mail = admin.client.put(
        path,
        headers=admin.headers,
        json={"name": "mail", "type": "email", "config": {"to": ["Ops@Example.com"]}},
    )
    assert mail.status_code == 200, mail.text
    assert mail.json()["config"] == {"to": ["ops@example.com"]}
    assert_deleted(admin.team_id, created["id"])


def test_a_channel_turned_back_to_a_type_with_secrets_stores_them_again(
    admin: Account, slack: FakeServer
) -> None:
    created = slack_channel(admin, slack)
    path = f"{CHANNELS}/{created['id']}"
    # Given a slack channel turned into an e-mail one (its secret scheduled for deletion)
    mail = {"name": "mail", "type": "email", "config": {"to": ["ops@example.com"]}}
    assert admin.client.put(path, headers=admin.headers, json=mail).status_code == 200
    assert_deleted(admin.team_id, created["id"])

    # When it becomes a slack channel again, within the secret's recovery window
    back = admin.client.put(
        path,
        headers=admin.headers,
        json={"name": "ops", "type": "slack", "config": {"webhook_url": slack.url + SLACK_PATH}},
    )

    # Then its new URL is its secret, and a test send reaches it
    assert back.status_code == 200, back.text
    assert secret_value(admin.team_id, created["id"]) == {"webhook_url": slack.url + SLACK_PATH}
    sent = admin.client.post(f"{path}/test", headers=admin.headers)
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "succeeded"


def assert_deleted(team_id: str, channel_id: str) -> None:
    """The channel's secret is scheduled for deletion (recoverable for 7 days)."""
    from shared.aws import client
    from shared.notifications.channel_secrets import secret_name

    described = client("secretsmanager").describe_secret(SecretId=secret_name(team_id, channel_id))
    assert described.get("DeletedDate") is not None


def test_deleting_a_channel_removes_it_and_its_secret(admin: Account, slack: FakeServer) -> None:
    created = slack_channel(admin, slack)
    path = f"{CHANNELS}/{created['id']}"

    deleted = admin.client.delete(path, headers=admin.headers)

    assert deleted.status_code == 204
    assert_error(admin.client.get(path, headers=admin.headers), 404)
    assert_error(admin.client.delete(path, headers=admin.headers), 404)
    assert_deleted(admin.team_id, created["id"])


def test_an_unavailable_secret_store_is_a_declared_503(
    admin: Account, slack: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import EndpointConnectionError

    from functions.notifications.app import app
    from shared import versioned_secrets
    from shared.notifications.channel_secrets import CHANNEL_SECRETS

    created = slack_channel(admin, slack)
    path = f"{CHANNELS}/{created['id']}"

    class Unreachable:
        exceptions = versioned_secrets.client("secretsmanager").exceptions

        def __getattr__(self, name: str) -> Any:
            def call(**kwargs: Any) -> Any:
                raise EndpointConnectionError(endpoint_url="https://secretsmanager.invalid")

            return call

    # Given Secrets Manager out of reach (and nothing cached for the container)
    monkeypatch.setattr(versioned_secrets, "client", lambda name: Unreachable())
    monkeypatch.setattr(CHANNEL_SECRETS, "_cache", {})
    slack_body = {"name": "ops", "type": "slack", "config": {"webhook_url": slack.url + SLACK_PATH}}
    telegram = {"name": "tg", "type": "telegram", "config": {"chat_id": 1, "bot_token": BOT_TOKEN}}

    # Then each route that writes or reads a secret answers 503 with the error body
    assert_error(admin.client.post(CHANNELS, headers=admin.headers, json=slack_body), 503)
    assert_error(admin.client.put(path, headers=admin.headers, json=telegram), 503)
    assert_error(admin.client.post(f"{path}/test", headers=admin.headers), 503)
    assert_error(admin.client.delete(path, headers=admin.headers), 503)
    # and declares it in its OpenAPI responses
    paths = app.openapi()["paths"]
    declared = {
        ("post", CHANNELS),
        ("put", CHANNELS + "/{channel_id}"),
        ("delete", CHANNELS + "/{channel_id}"),
        ("post", CHANNELS + "/{channel_id}/test"),
    }
    for method, route in declared:
        assert "503" in paths[route][method]["responses"], (method, route)


def test_each_type_takes_its_own_config_and_nothing_else(admin: Account) -> None:
    good: list[dict[str, Any]] = [
        {"name": "inbox", "type": "in_app"},
        {"name": "mail", "type": "email", "config": {"to": ["a@example.com"]}},
        {"name": "team mail", "type": "email", "config": {}},
        {"name": "tg", "type": "telegram", "config": {"bot_token": BOT_TOKEN, "chat_id": -100}},
        {"name": "hook", "type": "webhook", "config": {"url": "http://127.0.0.1:9/h?t=1"}},
        # JSON Schema counts -290.0 as an integer, as the document says chat_id may be.
        {"name": "tg2", "type": "telegram", "config": {"bot_token": BOT_TOKEN, "chat_id": -290.0}},
    ]
    made = [create(admin, body) for body in good]
    assert made[5]["config"]["chat_id"] == "-290"
    assert made[0]["config"] == {}
    assert made[2]["config"] == {"to": None}
    assert made[3]["config"] == {"chat_id": "-100", "bot_token_hint": "…Dsaw"}
    assert BOT_TOKEN not in json.dumps(made[3])
    # A short path and query say too much even in part: only where the URL goes is shown.
    secret = made[4]["signing_secret"]
    assert secret.startswith("whsec_")
    assert made[4]["config"] == {
        "url_hint": "http://127.0.0.1:9/…",
        "signing_secret_hint": f"…{secret[-4:]}",
    }
    assert secret_value(admin.team_id, made[4]["id"]) == {
        "url": "http://127.0.0.1:9/h?t=1",
        "signing_secret": secret,
    }

    bad = [
        {"name": "x", "type": "pager", "config": {}},
        {"name": "x", "type": "slack", "config": {}},
        {"name": "x", "type": "slack", "config": {"webhook_url": "ftp://x.example/"}},
        {"name": "x", "type": "email", "config": {"to": ["not an address"]}},
        {"name": "x", "type": "email", "config": {"to": []}},
        {"name": "x", "type": "email", "config": {"cc": ["a@example.com"]}},
        {"name": "x", "type": "telegram", "config": {"bot_token": "nope", "chat_id": 1}},
        {"name": "x", "type": "telegram", "config": {"bot_token": BOT_TOKEN}},
        {"name": "x", "type": "telegram", "config": {"bot_token": BOT_TOKEN, "chat_id": 1.5}},
        {"name": "x", "type": "telegram", "config": {"bot_token": BOT_TOKEN, "chat_id": True}},
        {"name": " ", "type": "in_app"},
        {"type": "in_app"},
    ]
    for body in bad:
        assert_error(admin.client.post(CHANNELS, headers=admin.headers, json=body), 422)


@pytest.mark.parametrize(
    "config",
    [
        {"type": "slack", "config": {"webhook_url": "http://hooks.slack.com/services/T/B/X"}},
        {"type": "slack", "config": {"webhook_url": "https://10.0.0.7/services/T/B/X"}},
        {"type": "webhook", "config": {"url": "https://127.0.0.1/hook"}},
        {"type": "webhook", "config": {"url": "https://169.254.169.254/latest"}},
    ],
)
def test_deployed_a_non_https_or_private_url_is_422(
    admin: Account, monkeypatch: pytest.MonkeyPatch, config: dict[str, Any]
) -> None:
    from shared.notifications import channel_senders

    monkeypatch.setattr(channel_senders, "strict_urls", lambda: True)

    answer = admin.client.post(CHANNELS, headers=admin.headers, json={"name": "x", **config})

    assert_error(answer, 422)
    assert "config." in answer.json()["detail"]


def test_another_teams_channel_is_404(
    admin: Account, new_account: Callable[..., Account], slack: FakeServer
) -> None:
    theirs = slack_channel(new_account(), slack)
    path = f"{CHANNELS}/{theirs['id']}"
    body = {"name": "mine now", "type": "in_app"}

    assert_error(admin.client.get(path, headers=admin.headers), 404)
    assert_error(admin.client.put(path, headers=admin.headers, json=body), 404)
    assert_error(admin.client.delete(path, headers=admin.headers), 404)
    assert_error(admin.client.post(f"{path}/test", headers=admin.headers), 404)
    assert admin.client.get(CHANNELS, headers=admin.headers).json()["items"] == []
    assert slack.requests == []


def test_a_member_can_neither_read_nor_change_channels(
    admin: Account, new_account: Callable[..., Account], slack: FakeServer
) -> None:
    channel = slack_channel(admin, slack)
    member = new_account(invited_by=admin, role="member")
    path = f"{CHANNELS}/{channel['id']}"

    assert_error(member.client.get(CHANNELS, headers=member.headers), 403)
    assert_error(member.client.get(path, headers=member.headers), 403)
    assert_error(
        member.client.post(CHANNELS, headers=member.headers, json={"name": "x", "type": "in_app"}),
        403,
    )
    assert_error(
        member.client.put(path, headers=member.headers, json={"name": "x", "type": "in_app"}), 403
    )
    assert_error(member.client.delete(path, headers=member.headers), 403)
    assert_error(member.client.post(f"{path}/test", headers=member.headers), 403)
    assert slack.requests == []


# --- test sends ---------------------------------------------------------------------------


def test_a_test_send_reaches_the_slack_webhook_now(admin: Account, slack: FakeServer) -> None:
    channel = slack_channel(admin, slack)

    answer = admin.client.post(f"{CHANNELS}/{channel['id']}/test", headers=admin.headers)

    assert answer.status_code == 200, answer.text
    outcome = answer.json()
    assert outcome["status"] == "succeeded"
    assert outcome["response_code"] == 200
    assert outcome["error"] is None
    [request] = slack.requests
    assert request.path == SLACK_PATH
    assert request.body["text"].startswith("*Test notification*\n")
    assert "'ops'" in request.body["text"]


def test_a_failing_test_send_answers_why_and_is_not_retried(
    admin: Account, slack: FakeServer, pump: Any
) -> None:
    channel = slack_channel(admin, slack)
    slack.script("POST", SLACK_PATH, Reply(500, "boom"))

    outcome = admin.client.post(f"{CHANNELS}/{channel['id']}/test", headers=admin.headers).json()
    pump.drain()

    assert outcome["status"] == "failed"
    assert outcome["response_code"] == 500
    assert outcome["error"] == "answered 500"
    assert len(slack.requests) == 1
    assert dead_letters(admin.team_id) == []


def test_a_test_email_is_sent_through_ses_to_the_channel_or_the_caller(admin: Account) -> None:
    from tools.local.outbox import sent_mail

    before = len(sent_mail())
    own = create(admin, {"name": "ops", "type": "email", "config": {"to": ["ops@example.com"]}})
    team = create(admin, {"name": "people", "type": "email"})

    for channel in (own, team):
        answer = admin.client.post(f"{CHANNELS}/{channel['id']}/test", headers=admin.headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "succeeded"
        assert answer.json()["response_code"] is None

    first, second = sent_mail()[before:]
    assert first.to == ("ops@example.com",)
    assert second.to == (admin.email,)
    from shared.settings import get_settings

    for mail in (first, second):
        assert mail.sender == get_settings().notification_sender
        assert mail.subject == "Test notification"
        assert "from Software Factory" in mail.body


def test_a_test_send_reaches_telegram_at_the_configured_api(
    admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.settings import get_settings

    with TelegramBotApi(BOT_TOKEN) as telegram:
        monkeypatch.setenv("TELEGRAM_API_URL", telegram.url)
        get_settings.cache_clear()
        try:
            channel = create(
                admin,
                {
                    "name": "tg",
                    "type": "telegram",
                    "config": {"bot_token": BOT_TOKEN, "chat_id": "@ops_room"},
                },
            )
            answer = admin.client.post(f"{CHANNELS}/{channel['id']}/test", headers=admin.headers)
        finally:
            monkeypatch.delenv("TELEGRAM_API_URL")
            get_settings.cache_clear()

    assert answer.json()["status"] == "succeeded", answer.text
    [request] = telegram.requests
    assert request.path == telegram.path
    assert request.body["chat_id"] == "@ops_room"
    assert request.body["text"].startswith("Test notification\n")


def test_a_webhook_channel_signs_with_its_own_secret(admin: Account) -> None:
    with WebhookReceiver() as receiver:
        channel = create(
            admin, {"name": "hook", "type": "webhook", "config": {"url": receiver.endpoint}}
        )
        receiver.secrets.append(channel["signing_secret"])

        answer = admin.client.post(f"{CHANNELS}/{channel['id']}/test", headers=admin.headers)

    assert answer.json()["status"] == "succeeded", answer.text
    assert receiver.verified == [{channel["signing_secret"]: True}]
    [request] = receiver.requests
    assert request.body["type"] == "notification"
    assert request.body["data"]["kind"] == "test"
    assert request.body["data"]["channel_id"] == channel["id"]
    assert request.headers["webhook-id"] == f"msg_{answer.json()['delivery_id']}"


def test_an_in_app_channel_has_nothing_to_test(admin: Account) -> None:
    channel = create(admin, {"name": "inbox", "type": "in_app"})

    assert_error(admin.client.post(f"{CHANNELS}/{channel['id']}/test", headers=admin.headers), 422)


# --- the delivery worker --------------------------------------------------------------------


def delivery_message(team_id: str, channel_id: str, **extra: Any) -> dict[str, Any]:
    """A notifier's message (issue 13's design note): no attempt number."""
    return {
        "team_id": team_id,
        "channel_id": channel_id,
        "delivery_id": new_id(),
        "notification": {
            "kind": "job.failed",
            "title": "Job todo-api failed",
            "body": "qa found 2 failing tests",
            "event_id": "ev-1",
            "link": "https://factory.example/jobs/1",
        },
        "recipients": [{"user_id": "u1", "email": "ada@example.com"}],
        "test": False,
        **extra,
    }


def test_a_failing_channel_is_retried_on_the_schedule_then_dead_lettered(
    admin: Account, slack: FakeServer, pump: Any
) -> None:
    from shared import queues
    from shared.dead_letter import service as dead_letter
    from shared.notifications import channel_delivery, channel_delivery_store

    channel = slack_channel(admin, slack)
    slack.script("POST", SLACK_PATH, *[Reply(500, "down")] * channel_delivery.ATTEMPTS)
    body = delivery_message(admin.team_id, channel["id"])

    start = datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        # When the notifier's message arrives and the clock moves on through the schedule
        queues.send(channel_delivery.QUEUE, body)
        pump.drain()
        for wait in channel_delivery.SCHEDULE_SECONDS[1:]:
            clock.shift(wait - 1)
            pump.drain()
            tried = len(slack.requests)
            clock.shift(1)
            pump.drain()
            assert len(slack.requests) == tried + 1
        clock.shift(timedelta(days=1))
        pump.drain()

    # Then each attempt was made and recorded, the delivery failed and dead-lettered
    assert len(slack.requests) == channel_delivery.ATTEMPTS == 6
    assert slack.requests[0].body["text"].startswith("*Job todo-api failed*\nqa found")
    found = channel_delivery_store.get_delivery(channel["id"], body["delivery_id"])
    assert found is not None
    delivery = found[0]
    assert delivery.status == "failed"
    assert [a.response_code for a in delivery.attempts] == [500] * 6
    [dead] = dead_letters(admin.team_id)
    assert dead.source == "notification-deliveries"
    assert dead.origin_queue == "notification-deliveries"
    assert dead.payload["delivery_id"] == body["delivery_id"]
    assert "failed 6 attempt(s); the last: answered 500" in dead.error

    # When an admin retries the item, a new series starts and this time it gets through.
    dead_letter.retry(admin.team_id, dead.id)
    pump.drain()
    found = channel_delivery_store.get_delivery(channel["id"], body["delivery_id"])
    assert found is not None
    assert found[0].status == "succeeded"
    assert len(found[0].attempts) == 7


def test_an_email_delivery_retries_only_the_addresses_that_failed(
    admin: Account, pump: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    from shared.aws import client
    from shared.notifications import channel_delivery_store
    from tools.local.outbox import sent_mail

    channel = create(admin, {"name": "people", "type": "email"})
    body = delivery_message(
        admin.team_id,
        channel["id"],
        recipients=[
            {"user_id": "u1", "email": "ada@example.com"},
            {"user_id": "u2", "email": "bob@example.com"},
            {"user_id": "u3", "email": None},
        ],
    )
    ses = client("sesv2")
    original = ses.send_email
    refused = {"bob@example.com"}

    def flaky(**kwargs: Any) -> Any:
        if kwargs["Destination"]["ToAddresses"][0] in refused:
            refused.clear()
            raise ClientError({"Error": {"Code": "TooManyRequestsException"}}, "SendEmail")
        return original(**kwargs)

    monkeypatch.setattr(ses, "send_email", flaky)
    before = len(sent_mail())
    from shared import queues

    with time_machine.travel(datetime.now(UTC).replace(microsecond=0), tick=False) as clock:
        queues.send("notification-deliveries", body)
        pump.drain()
        clock.shift(10)
        pump.drain()

    assert [mail.to for mail in sent_mail()[before:]] == [
        ("ada@example.com",),
        ("bob@example.com",),
    ]
    found = channel_delivery_store.get_delivery(channel["id"], body["delivery_id"])
    assert found is not None
    first, second = found[0].attempts
    assert (first.status, first.sent_to) == ("failed", ["ada@example.com"])
    assert first.error == "SES refused 1 of 2: TooManyRequestsException"
    assert (second.status, second.sent_to) == ("succeeded", ["bob@example.com"])


def test_a_delivery_message_received_twice_sends_once(
    admin: Account, slack: FakeServer, lambda_context: Any
) -> None:
    from functions.notification_delivery.handler import handler
    from shared.notifications import channel_delivery_store

    channel = slack_channel(admin, slack)
    body = delivery_message(admin.team_id, channel["id"])
    record = {
        "messageId": "m-1",
        "receiptHandle": "r-1",
        "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:notification-deliveries",
        "awsRegion": "us-east-1",
    }

    # SQS delivers at least once: the same message twice, in two batches; and once more
    # under another message id (a notifier that sent it twice), past the idempotency layer.
    for message_id in ("m-1", "m-1", "m-2"):
        answer = handler({"Records": [{**record, "messageId": message_id}]}, lambda_context)
        assert answer == {"batchItemFailures": []}

    assert len(slack.requests) == 1
    found = channel_delivery_store.get_delivery(channel["id"], body["delivery_id"])
    assert found is not None
    assert found[0].status == "succeeded"
    assert len(found[0].attempts) == 1


def test_a_disabled_or_deleted_channel_gets_nothing(
    admin: Account, slack: FakeServer, pump: Any
) -> None:
    from shared import queues

    channel = slack_channel(admin, slack, enabled=False)
    gone = slack_channel(admin, slack)
    assert admin.client.delete(f"{CHANNELS}/{gone['id']}", headers=admin.headers).status_code == 204

    queues.send("notification-deliveries", delivery_message(admin.team_id, channel["id"]))
    queues.send("notification-deliveries", delivery_message(admin.team_id, gone["id"]))
    queues.send("notification-deliveries", delivery_message("another-team", channel["id"]))
    pump.drain()

    assert slack.requests == []
    assert dead_letters(admin.team_id) == []

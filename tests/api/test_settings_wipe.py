"""POST /settings/wipe through the local gateway and pump: team A's data goes (every table,
its S3 objects, secrets and schedules), its default agents come back, team B's stays,
accounts, keys and the audit log stay; refused without the confirmation (422) or an admin
(403); a redelivered message changes nothing; a wipe longer than an invocation continues;
a wipe failing every receive ends failed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from shared.aws import client
from shared.settings import get_settings
from tests.factories import Account, assert_error, make_agent

WIPE = "/api/v1/settings/wipe"
TABLES = ("jobs", "agents", "providers", "costs", "events", "work", "data")
TRIGGER = {
    "name": "weekday build",
    "type": "schedule",
    "config": {"cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"},
    "action": {"type": "start_job", "job": {"name": "Nightly build", "platform": "web"}},
}


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


def team_items(table: str, team_id: str) -> list[dict[str, Any]]:
    """Every item of the team in `table` (a test may Scan: no request is being served)."""
    found: list[dict[str, Any]] = []
    for page in (
        client("dynamodb")
        .get_paginator("scan")
        .paginate(TableName=get_settings().table_name(table), ConsistentRead=True)
    ):
        found += [
            item
            for item in page["Items"]
            if item.get("team_id", {}).get("S") == team_id or team_id in item["pk"]["S"].split("#")
        ]
    return found


def objects(prefix: str) -> list[str]:
    answer = client("s3").list_objects_v2(Bucket=get_settings().artifacts_bucket, Prefix=prefix)
    return [obj["Key"] for obj in answer.get("Contents", [])]


def live_secrets(team_id: str) -> list[str]:
    names = []
    for page in client("secretsmanager").get_paginator("list_secrets").paginate():
        names += [
            secret["Name"]
            for secret in page["SecretList"]
            if f"/{team_id}/" in secret["Name"] and not secret.get("DeletedDate")
        ]
    return sorted(names)


def schedule_exists(trigger_id: str) -> bool:
    scheduler = client("scheduler")
    try:
        scheduler.get_schedule(
            GroupName=get_settings().schedule_group_name, Name=f"trigger-{trigger_id}"
        )
    except scheduler.exceptions.ResourceNotFoundException:
        return False
    return True


def fill(account: Account) -> dict[str, Any]:
    """Data of every kind in the account's team: through the routes where a route makes
    it, else as the stores write it. What was made, by kind."""
    from shared.notifications.channel_secrets import CHANNEL_SECRETS
    from shared.ssh.secrets import SSH_SECRETS
    from shared.versioned_secrets import new_version

    team, headers, http = account.team_id, account.headers, account.client
    made: dict[str, Any] = {"agent": make_agent(account, name="Custom")}
    project = http.post("/api/v1/projects", headers=headers, json={"name": "Notes"})
    assert project.status_code == 201, project.text
    provider = http.post(
        "/api/v1/providers",
        headers=headers,
        json={"name": "acme", "kind": "openai", "api_key": "sk-test-key", "default_model": "m"},
    )
    assert provider.status_code == 201, provider.text
    trigger = http.post("/api/v1/triggers", headers=headers, json=TRIGGER)
    assert trigger.status_code == 201, trigger.text
    made["trigger"] = trigger.json()["id"]
    task = http.post("/api/v1/tasks", headers=headers, json={"title": "T", "instructions": "Do it"})
    assert task.status_code == 201, task.text
    setting = http.put(
        "/api/v1/settings/pipeline/max_repair_attempts", headers=headers, json={"value": 7}
    )
    assert setting.status_code == 200, setting.text
    CHANNEL_SECRETS.store(team, "channel1", {"webhook_url": "https://x"}, version=new_version())
    SSH_SECRETS.store(team, "conn1", {"password": "pw"}, version=new_version())
    client("secretsmanager").create_secret(
        Name=f"{get_settings().resource_prefix}/vault/{team}/secret1", SecretString="v"
    )
    bucket = get_settings().artifacts_bucket
    for key in (f"{team}/job1/tree/a.py", f"files/{team}/f1", f"hooks/{team}/s/e.json"):
        client("s3").put_object(Bucket=bucket, Key=key, Body=b"x")
    client("dynamodb").put_item(
        TableName=get_settings().table_name("data"),
        Item={"pk": {"S": f"TEAM#{team}"}, "sk": {"S": "FILE#1"}, "team_id": {"S": team}},
    )
    return made


def wipe(account: Account, confirm: str | None = None) -> Any:
    return account.client.post(
        WIPE, headers=account.headers, json={"confirm": confirm or account.team_id}
    )


def wipe_of(account: Account, wipe_id: str) -> dict[str, Any]:
    answer = account.client.get(f"{WIPE}/{wipe_id}", headers=account.headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def agent_names(account: Account) -> list[str]:
    answer = account.client.get("/api/v1/agents", headers=account.headers, params={"limit": 100})
    assert answer.status_code == 200, answer.text
    return sorted(agent["name"] for agent in answer.json()["items"])


def test_a_wipe_deletes_team_a_everywhere_and_leaves_team_b(
    new_account: Callable[..., Account], pump: Any
) -> None:
    a, b = new_account(), new_account()
    a_made, b_made = fill(a), fill(b)
    a_key = a.client.post("/api/v1/security/api-keys", headers=a.headers, json={"name": "ci"})
    assert a_key.status_code == 201, a_key.text
    pump.drain()  # what the fills queued (inbox items, deliveries) is made before counting
    defaults = [name for name in agent_names(a) if name != "Custom"]
    b_before = {table: len(team_items(table, b.team_id)) for table in TABLES}
    b_secrets = live_secrets(b.team_id)

    # confirmed by the team's name, as registration made it
    answer = wipe(a, confirm="Ada")
    assert answer.status_code == 202, answer.text
    accepted = answer.json()
    assert accepted["status"] == "queued"
    pump.drain()

    done = wipe_of(a, accepted["wipe_id"])
    assert done["status"] == "succeeded", done
    assert done["finished_at"] is not None
    assert done["counts"]["objects"] == 3
    assert done["counts"]["secrets"] == 4  # provider key, channel, SSH, vault
    assert done["counts"]["schedules"] == 1
    # team A: nothing left but the wipe's own record and the default agents again
    for table in ("jobs", "providers", "costs", "work", "data"):
        assert team_items(table, a.team_id) == [], table
    events_left = {item["sk"]["S"].split("#")[0] for item in team_items("events", a.team_id)}
    assert events_left == {"WIPE"}
    assert agent_names(a) == defaults
    projects = a.client.get("/api/v1/projects", headers=a.headers).json()
    assert projects["items"] == []
    settings = a.client.get("/api/v1/settings", headers=a.headers).json()
    assert settings["max_repair_attempts"] != 7
    assert objects(f"{a.team_id}/") == objects(f"files/{a.team_id}/") == []
    assert live_secrets(a.team_id) == []
    assert not schedule_exists(a_made["trigger"])
    # accounts, keys and the audit log stay
    me = a.client.get("/api/v1/auth/me", headers=a.headers)
    assert me.status_code == 200
    keys = a.client.get("/api/v1/security/api-keys", headers=a.headers).json()
    assert [key["name"] for key in keys["items"]] == ["ci"]
    audit = a.client.get("/api/v1/admin/audit", headers=a.headers).json()["items"]
    actions = {(entry["action"], entry["outcome"]) for entry in audit}
    assert {("settings.wipe.requested", "ok"), ("settings.wipe", "ok")} <= actions
    # team B: untouched
    assert {table: len(team_items(table, b.team_id)) for table in TABLES} == b_before
    assert live_secrets(b.team_id) == b_secrets
    assert schedule_exists(b_made["trigger"])
    assert objects(f"files/{b.team_id}/") == [f"files/{b.team_id}/f1"]
    assert "Custom" in agent_names(b)
    from tests.fake_triggers import remove_trigger_schedules

    remove_trigger_schedules()


def test_a_wipe_takes_the_teams_products_off_the_storefront_and_keeps_orders(
    new_account: Callable[..., Account], pump: Any, client_at: Any
) -> None:
    from shared.ids import new_id, utcnow
    from shared.payments.domain import Order
    from shared.payments.store import create_order, get_order
    from tests.factories import passed_job

    a, b = new_account(), new_account()

    def publish(account: Account, category: str) -> str:
        answer = account.client.post(
            f"/api/v1/jobs/{passed_job(account.team_id)}/publish",
            headers=account.headers,
            json={"category": category},
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    gone, kept = publish(a, "wiped-shop"), publish(b, "wiped-shop")
    order = create_order(
        Order(
            id=new_id(),
            team_id=a.team_id,
            purpose="product",
            reference_id=gone,
            customer_id=None,
            amount_cents=500,
            currency="usd",
            description="bought before the wipe",
            provider="test",
            created_at=utcnow(),
            status="paid",
        )
    )
    public = client_at()

    assert wipe(a).status_code == 202
    pump.drain()

    assert_error(public.get(f"/api/v1/products/{gone}"), 404)
    assert public.get(f"/api/v1/products/{kept}").status_code == 200
    listed = public.get("/api/v1/products", params={"category": "wiped-shop"}).json()
    assert [item["id"] for item in listed["items"]] == [kept]
    assert listed["total"] == 1
    categories = public.get("/api/v1/products/categories").json()["items"]
    assert {"category": "wiped-shop", "count": 1} in categories
    left = {item["pk"]["S"].split("#")[0] for item in team_items("storefront", a.team_id)}
    assert left == {"ORDER"}
    assert get_order(order.id) is not None


def test_a_wipe_is_refused_without_the_confirmation_or_an_admin(
    new_account: Callable[..., Account], pump: Any
) -> None:
    admin = new_account()
    member = new_account(invited_by=admin, role="member")
    agent = make_agent(admin, name="Keep me")

    assert_error(wipe(admin, confirm="not the team"), 422)
    assert_error(admin.client.post(WIPE, headers=admin.headers, json={}), 422)
    assert_error(wipe(member, confirm=admin.team_id), 403)
    pump.drain()

    assert agent in {
        item["id"]
        for item in admin.client.get("/api/v1/agents", headers=admin.headers).json()["items"]
    }
    audit = admin.client.get("/api/v1/admin/audit", headers=admin.headers).json()["items"]
    assert ("settings.wipe.requested", "denied") in {
        (entry["action"], entry["outcome"]) for entry in audit
    }


def test_another_teams_wipe_is_not_found(new_account: Callable[..., Account], pump: Any) -> None:
    a, b = new_account(), new_account()
    wipe_id = wipe(a).json()["wipe_id"]
    pump.drain()

    assert_error(b.client.get(f"{WIPE}/{wipe_id}", headers=b.headers), 404)


def test_a_redelivered_message_changes_nothing(
    new_account: Callable[..., Account], pump: Any
) -> None:
    from functions.team_wipe import service

    a = new_account()
    wipe_id = wipe(a).json()["wipe_id"]
    pump.drain()
    agents = agent_names(a)
    finished = wipe_of(a, wipe_id)
    make_agent(a, name="Made after")

    # the same message again, as SQS may deliver it (the run itself, past idempotency)
    again = service.run(
        {"team_id": a.team_id, "wipe_id": wipe_id, "part": 0, "once": "x", "last_receive": False}
    )

    assert again == {"status": "succeeded"}
    assert wipe_of(a, wipe_id) == finished
    assert agent_names(a) == sorted([*agents, "Made after"])


def test_one_wipe_at_a_time(new_account: Callable[..., Account], pump: Any) -> None:
    a = new_account()
    first = wipe(a)
    assert first.status_code == 202

    assert_error(wipe(a), 409)
    pump.drain()
    assert wipe(a).status_code == 202  # the first ended: the team is free again
    pump.drain()


def test_a_wipe_longer_than_an_invocation_continues_in_parts(
    new_account: Callable[..., Account], pump: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from functions.team_wipe import service
    from functions.team_wipe import wipe as stages

    a = new_account()
    fill(a)
    # Out of time after every stage: each part does one and queues the next.
    monkeypatch.setattr(service, "_time_left", lambda: 0.0)
    monkeypatch.setattr(service, "_margin", lambda: 1.0)
    wipe_id = wipe(a).json()["wipe_id"]
    for _ in range(len(stages.STAGES)):
        pump.drain()

    done = wipe_of(a, wipe_id)
    assert done["status"] == "succeeded", done
    assert team_items("providers", a.team_id) == []
    assert objects(f"files/{a.team_id}/") == []
    from tests.fake_triggers import remove_trigger_schedules

    remove_trigger_schedules()


def test_a_wipe_failing_every_receive_ends_failed_and_audited(
    new_account: Callable[..., Account],
    pump: Any,
    clock: time_machine.Traveller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from functions.team_wipe import wipe as stages
    from shared.queues import QUEUES_BY_KEY

    def broken(team_id: str, at: Any) -> None:
        raise RuntimeError("S3 is down")

    real = stages.delete_objects
    monkeypatch.setattr(stages, "delete_objects", broken)
    a = new_account()
    wipe_id = wipe(a).json()["wipe_id"]
    spec = QUEUES_BY_KEY["team-wipes"]
    for _ in range(spec.max_receive_count + 1):
        pump.drain()
        clock.shift(timedelta(seconds=spec.visibility_timeout_seconds + 1))

    done = wipe_of(a, wipe_id)
    assert done["status"] == "failed"
    assert done["error"] == "the wipe failed (RuntimeError) on every attempt"
    audit = a.client.get("/api/v1/admin/audit", headers=a.headers).json()["items"]
    assert ("settings.wipe", "failed") in {(e["action"], e["outcome"]) for e in audit}
    # the team is free for another wipe
    monkeypatch.setattr(stages, "delete_objects", real)
    assert wipe(a).status_code == 202
    pump.drain()


def test_the_dead_letter_settler_ends_a_wipe_the_worker_never_could(
    new_account: Callable[..., Account],
) -> None:
    from shared import team_wipe_store as wipes
    from shared.dead_letter.settlers import settle

    a = new_account()
    wipe_ = wipes.start(a.team_id, requested_by=a.user_id)

    settle("team-wipes-dlq", {"team_id": a.team_id, "wipe_id": wipe_.wipe_id})

    ended = wipes.get(a.team_id, wipe_.wipe_id)
    assert ended.status == "failed"
    assert "dead-letter" in (ended.error or "")
    assert wipes.start(a.team_id, requested_by=a.user_id).status == "queued"

"""Approvals anyone opens (POST /approvals, seed 003): listed and decided like a job's,
the decision published, delivered signed to the callback endpoint, and answering a
workflow step's task token; each bad input."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from unittest.mock import MagicMock

import pytest
from botocore.exceptions import ClientError

from shared.approvals import requests
from tests.factories import Account, assert_error
from tests.fake_servers import WebhookReceiver

APPROVALS = "/api/v1/approvals"
SHIP = {"title": "Ship 1.2 to production", "payload": {"version": "1.2.0", "risk": "low"}}


@pytest.fixture
def admin(new_account: Callable[..., Account]) -> Account:
    return new_account()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


def ask(account: Account, **body: Any) -> Any:
    return account.client.post(APPROVALS, headers=account.headers, json=body)


def opened(account: Account, **body: Any) -> dict[str, Any]:
    answer = ask(account, **(body or SHIP))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_a_request_is_listed_shown_and_decided_once(
    admin: Account, published: list[tuple[str, dict[str, Any]]]
) -> None:
    request = opened(admin)
    assert (request["kind"], request["status"], request["job_id"]) == ("request", "pending", None)
    assert request["requested_by"] == admin.user_id

    queue = admin.client.get(APPROVALS, headers=admin.headers).json()
    assert [item["id"] for item in queue["items"]] == [request["id"]]
    assert queue["counts"] == {"pending": 1}
    detail = admin.client.get(f"{APPROVALS}/{request['id']}", headers=admin.headers).json()
    assert detail["what"] == "Ship 1.2 to production"
    assert json.loads(detail["output"]) == {"version": "1.2.0", "risk": "low"}
    assert (detail["job_slug"], detail["job_name"]) == (None, None)

    approved = admin.client.post(f"{APPROVALS}/{request['id']}/approve", headers=admin.headers)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["decided_by"]) == (
        "approved",
        admin.user_id,
    )
    again = admin.client.post(f"{APPROVALS}/{request['id']}/reject", headers=admin.headers)
    assert_error(again, 409)

    requested = [detail for kind, detail in published if kind == "approval.requested"]
    assert [(d["approval_id"], d["kind"], d["title"]) for d in requested] == [
        (request["id"], "request", "Ship 1.2 to production")
    ]
    decided = [detail for kind, detail in published if kind == "approval.decided"]
    assert [(d["approval_id"], d["status"]) for d in decided] == [(request["id"], "approved")]


def test_a_rejection_keeps_its_reason_and_a_request_takes_no_edit_or_send_back(
    admin: Account,
) -> None:
    request = opened(admin)
    url = f"{APPROVALS}/{request['id']}"
    edit = admin.client.post(f"{url}/approve", headers=admin.headers, json={"edited_output": "x"})
    assert_error(edit, 409)
    sent_back = admin.client.post(f"{url}/reject?send_back=true", headers=admin.headers)
    assert_error(sent_back, 409)

    rejected = admin.client.post(f"{url}/reject?reason=not+this+week", headers=admin.headers)
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "not this week")


def test_the_decision_reaches_the_callback_endpoint_signed(
    admin: Account, receiver: WebhookReceiver, pump: Any
) -> None:
    webhook = admin.client.post(
        "/api/v1/webhooks",
        headers=admin.headers,
        json={"url": receiver.endpoint, "events": ["job.completed"]},
    ).json()
    receiver.secrets.append(webhook["secret"])
    request = opened(admin, **SHIP, callback_webhook_id=webhook["id"])

    admin.client.post(f"{APPROVALS}/{request['id']}/approve", headers=admin.headers)
    pump.drain()

    # Delivered although the endpoint subscribes to other events: the request named it.
    [delivered] = [r for r in receiver.requests if r.body["type"] == "approval.decided"]
    assert delivered.body["data"]["approval_id"] == request["id"]
    assert delivered.body["data"]["status"] == "approved"
    assert receiver.verified[-1] == {webhook["secret"]: True}


def test_a_workflow_steps_token_is_answered_by_the_decision(
    admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    sfn = MagicMock()
    monkeypatch.setattr("shared.aws.client", lambda name: sfn)
    approve_me = requests.open_approval(
        admin.team_id, None, "Deploy step", {"step": "deploy"}, task_token="token-a"
    )
    reject_me = requests.open_approval(
        admin.team_id, None, "Deploy step", None, task_token="token-r"
    )
    # A token Step Functions no longer waits on (the run ended) changes nothing.
    gone = ClientError({"Error": {"Code": "TaskTimedOut", "Message": "x"}}, "SendTaskFailure")
    sfn.send_task_failure.side_effect = gone

    admin.client.post(f"{APPROVALS}/{approve_me.id}/approve", headers=admin.headers)
    rejected = admin.client.post(
        f"{APPROVALS}/{reject_me.id}/reject?reason=later", headers=admin.headers
    )

    assert rejected.status_code == 200, rejected.text
    [success] = sfn.send_task_success.call_args_list
    assert success.kwargs["taskToken"] == "token-a"
    assert json.loads(success.kwargs["output"])["approved"] is True
    [failure] = sfn.send_task_failure.call_args_list
    assert failure.kwargs == {"taskToken": "token-r", "error": "Rejected", "cause": "later"}
    # The token never leaves storage.
    shown = admin.client.get(f"{APPROVALS}/{approve_me.id}", headers=admin.headers).text
    assert "token-a" not in shown


@pytest.mark.parametrize(
    "body",
    [
        {"title": "   "},
        {"title": "x" * 201},
        {"title": "Big", "payload": {"blob": "x" * 70_000}},
        {"title": "List", "payload": [1, 2]},
        {"title": "Extra", "owner": "me"},
    ],
    ids=["blank-title", "long-title", "payload-too-large", "payload-not-object", "unknown-field"],
)
def test_a_malformed_request_is_refused(admin: Account, body: dict[str, Any]) -> None:
    assert_error(ask(admin, **body), 422)
    assert admin.client.get(APPROVALS, headers=admin.headers).json()["items"] == []


def test_a_callback_endpoint_or_request_of_another_team_is_not_found(
    admin: Account, new_account: Callable[..., Account]
) -> None:
    other = new_account()
    theirs = other.client.post(
        "/api/v1/webhooks",
        headers=other.headers,
        json={"url": "https://example.com/hook", "events": ["job.completed"]},
    ).json()
    assert_error(ask(admin, **SHIP, callback_webhook_id=theirs["id"]), 404)
    assert_error(ask(admin, **SHIP, callback_webhook_id="01JF3ZB1C2D3E4F5G6H7J8K9M0"), 404)

    request = opened(other)
    assert_error(admin.client.get(f"{APPROVALS}/{request['id']}", headers=admin.headers), 404)
    decided = admin.client.post(f"{APPROVALS}/{request['id']}/approve", headers=admin.headers)
    assert_error(decided, 404)


def test_the_queue_is_paged_per_status_with_counts_from_counters(admin: Account) -> None:
    first, second, third = (opened(admin, title=f"Release {n}") for n in (1, 2, 3))
    decided = admin.client.post(f"{APPROVALS}/{second['id']}/reject", headers=admin.headers)
    assert decided.status_code == 200, decided.text

    page = admin.client.get(f"{APPROVALS}?limit=1", headers=admin.headers).json()
    assert [item["id"] for item in page["items"]] == [third["id"]]  # newest first
    assert (page["total"], page["counts"]) == (2, {"pending": 2, "rejected": 1})
    rest = admin.client.get(
        APPROVALS, headers=admin.headers, params={"limit": 1, "cursor": page["next_cursor"]}
    ).json()
    assert [item["id"] for item in rest["items"]] == [first["id"]]
    rejected = admin.client.get(f"{APPROVALS}?status=rejected", headers=admin.headers).json()
    assert [item["id"] for item in rejected["items"]] == [second["id"]]
    everything = admin.client.get(f"{APPROVALS}?status=all", headers=admin.headers).json()
    assert [item["id"] for item in everything["items"]] == [
        third["id"],
        second["id"],
        first["id"],
    ]

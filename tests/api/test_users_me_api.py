"""Seed 002's /users/me family over HTTP: the profile (`basicInfo`, `billingInfo`,
`usageInfo`), the allowance's setters in the seed's camelCase and in snake_case, a usage
reported by the client, a reset; and the admin form (PUT /admin/users/{id}) that sets an
account's allowance from the auth group."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.costs.models import CallItem, ledger_partition
from shared.ids import new_id, utcnow
from tests.api.test_costs_api import ADMIN, add_user, audit_log, bearer
from tests.factories import Account, assert_error

ME = "/api/v1/users/me"


@pytest.fixture(scope="module")
def client(aws: None) -> Iterator[TestClient]:
    from functions.costs.app import app

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def team(aws: None) -> str:
    team_id = f"me-{new_id()}"
    add_user(team_id, ADMIN, role="admin")
    add_user(team_id, "u-member")
    return team_id


def ok(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_the_seeds_camel_case_allowance_is_taken(client: TestClient, team: str) -> None:
    camel = ok(
        client.put(f"{ME}/monthly-allowance", headers=bearer(team), json={"monthlyAllowance": 50})
    )
    snake = ok(
        client.put(
            f"/api{ME[7:]}/monthly-allowance",
            headers=bearer(team),
            json={"monthly_allowance": 60},
        )
    )

    assert (camel["monthly_allowance"], camel["remaining_usd"]) == (50.0, 50.0)
    assert snake["monthly_allowance"] == 60.0


def test_a_reported_usage_counts_against_the_allowance(client: TestClient, team: str) -> None:
    member = bearer(team, "member", "u-member")
    ok(
        client.put(
            f"{ME}/monthly-allowance",
            headers=bearer(team),
            params={"user_id": "u-member"},
            json={"monthlyAllowance": 10},
        )
    )

    answer = client.post(
        f"{ME}/usage",
        headers=member,
        json={"responseCost": 1.25, "metadata": {"model": "gpt-x", "tokens": 120}},
    )

    usage = ok(answer)
    assert (usage["user_id"], usage["spent_usd"], usage["calls"]) == ("u-member", 1.25, 1)
    assert usage["remaining_usd"] == 8.75
    [call] = list(CallItem.query(ledger_partition(team)))
    assert (call.provider, call.model, call.cost_micros) == ("client", "reported", 1_250_000)
    assert call.metadata == {"model": "gpt-x", "tokens": 120}
    again = ok(client.post(f"{ME}/usage", headers=member, json={"response_cost": 0.25}))
    assert again["spent_usd"] == 1.5


@pytest.mark.parametrize(
    "body",
    [{}, {"responseCost": -1}, {"responseCost": "1"}, {"responseCost": 1, "extra": 1}],
)
def test_a_bad_usage_is_422(client: TestClient, team: str, body: dict[str, Any]) -> None:
    assert_error(client.post(f"{ME}/usage", headers=bearer(team), json=body), 422)


def test_a_usage_with_too_much_metadata_is_413(client: TestClient, team: str) -> None:
    body = {"responseCost": 1, "metadata": {"note": "x" * 5000}}

    answer = client.post(f"{ME}/usage", headers=bearer(team), json=body)

    assert_error(answer, 413)
    assert ok(client.get(f"{ME}/usage", headers=bearer(team)))["calls"] == 0


def test_the_profile_is_the_seeds_user(client: TestClient, team: str) -> None:
    ok(client.put("/api/v1/costs/budget", headers=bearer(team), json={"monthly_limit": 100}))
    ok(client.put(f"{ME}/monthly-allowance", headers=bearer(team), json={"monthlyAllowance": 20}))
    ok(client.post(f"{ME}/usage", headers=bearer(team), json={"responseCost": 2}))

    body = ok(client.get(ME, headers=bearer(team)))

    assert set(body) == {"basicInfo", "billingInfo", "usageInfo"}
    basic, billing, usage = body["basicInfo"], body["billingInfo"], body["usageInfo"]
    assert (basic["userId"], basic["teamId"], basic["email"], basic["role"]) == (
        ADMIN,
        team,
        f"{ADMIN}@example.com",
        "admin",
    )
    assert (billing["currency"], billing["teamMonthlyLimit"], billing["teamMonthSpent"]) == (
        "USD",
        100.0,
        2.0,
    )
    assert (usage["monthlyAllowance"], usage["spendRemaining"], usage["periodSpent"]) == (
        20.0,
        18.0,
        2.0,
    )
    now = utcnow()
    next_month = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    assert usage["allowanceResetDate"] == next_month.timestamp()


def test_what_remains_is_set_by_an_admin(client: TestClient, team: str) -> None:
    ok(client.put(f"{ME}/monthly-allowance", headers=bearer(team), json={"monthlyAllowance": 10}))
    ok(client.post(f"{ME}/usage", headers=bearer(team), json={"responseCost": 1}))

    body = ok(client.put(f"{ME}/spend-remaining", headers=bearer(team), json={"spendRemaining": 4}))

    assert (body["remaining_usd"], body["period_spent_usd"], body["spent_usd"]) == (4.0, 6.0, 1.0)
    assert audit_log(team)[0].action == "allowance.spend_remaining"
    snake = client.put(f"{ME}/spend-remaining", headers=bearer(team), json={"spend_remaining": 5})
    assert ok(snake)["remaining_usd"] == 5.0


def test_what_remains_is_refused_above_the_allowance_or_without_one(
    client: TestClient, team: str
) -> None:
    unlimited = client.put(
        f"{ME}/spend-remaining", headers=bearer(team), json={"spendRemaining": 1}
    )
    ok(client.put(f"{ME}/monthly-allowance", headers=bearer(team), json={"monthlyAllowance": 3}))
    above = client.put(f"{ME}/spend-remaining", headers=bearer(team), json={"spendRemaining": 4})

    assert_error(unlimited, 409)
    assert_error(above, 422)


def test_a_reset_date_is_taken_as_milliseconds_seconds_or_a_date_time(
    client: TestClient, team: str
) -> None:
    when = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    path = f"{ME}/allowance-reset-date"

    answers = [
        client.put(
            path, headers=bearer(team), json={"allowanceResetDate": when.timestamp() * 1000}
        ),
        client.put(path, headers=bearer(team), json={"allowanceResetDate": when.timestamp()}),
        client.put(path, headers=bearer(team), json={"allowance_reset_date": when.isoformat()}),
    ]

    seen = {datetime.fromisoformat(ok(answer)["allowance_reset_at"]) for answer in answers}
    next_month = datetime(when.year + when.month // 12, when.month % 12 + 1, 1, tzinfo=UTC)
    assert seen == {min(when, next_month)}
    cleared = ok(client.put(path, headers=bearer(team), json={"allowanceResetDate": None}))
    assert datetime.fromisoformat(cleared["allowance_reset_at"]) == datetime(
        utcnow().year + utcnow().month // 12, utcnow().month % 12 + 1, 1, tzinfo=UTC
    )


@pytest.mark.parametrize("value", [1_000, "yesterday", True, -1])
def test_a_past_or_unreadable_reset_date_is_422(client: TestClient, team: str, value: Any) -> None:
    answer = client.put(
        f"{ME}/allowance-reset-date", headers=bearer(team), json={"allowanceResetDate": value}
    )

    assert_error(answer, 422)


def test_a_reset_renews_the_allowance(client: TestClient, team: str) -> None:
    ok(client.put(f"{ME}/monthly-allowance", headers=bearer(team), json={"monthlyAllowance": 3}))
    ok(client.post(f"{ME}/usage", headers=bearer(team), json={"responseCost": 3}))

    body = ok(client.post(f"{ME}/reset-allowance", headers=bearer(team)))

    assert (body["spent_usd"], body["period_spent_usd"], body["remaining_usd"]) == (3.0, 0.0, 3.0)
    assert audit_log(team)[0].action == "allowance.reset"


def test_a_member_changes_no_allowance_not_even_their_own(client: TestClient, team: str) -> None:
    member = bearer(team, "member", "u-member")

    answers = [
        client.put(f"{ME}/spend-remaining", headers=member, json={"spendRemaining": 1}),
        client.put(f"{ME}/allowance-reset-date", headers=member, json={"allowanceResetDate": None}),
        client.post(f"{ME}/reset-allowance", headers=member),
    ]

    for answer in answers:
        assert_error(answer, 403)
    assert ok(client.get(ME, headers=member))["basicInfo"]["userId"] == "u-member"


def test_another_teams_account_is_404(client: TestClient, team: str) -> None:
    outsider = bearer(f"me-other-{new_id()}")

    answers = [
        client.put(
            f"{ME}/spend-remaining",
            headers=outsider,
            params={"user_id": "u-member"},
            json={"spendRemaining": 1},
        ),
        client.post(f"{ME}/reset-allowance", headers=outsider, params={"user_id": "u-member"}),
    ]

    for answer in answers:
        assert_error(answer, 404)


# --- the admin form (auth group) ----------------------------------------------------------


def test_the_admin_form_sets_an_accounts_allowance(new_account: Any, client: TestClient) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)
    path = f"/api/v1/admin/users/{member.user_id}"

    answer = admin.client.put(
        path,
        headers=admin.headers,
        json={"monthlyAllowance": 20, "spendRemaining": 5, "full_name": "Mo"},
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["full_name"] == "Mo"
    usage = ok(client.get(f"{ME}/usage", headers=member.headers))
    assert (usage["monthly_allowance"], usage["remaining_usd"]) == (20.0, 5.0)
    later = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    dated = admin.client.put(
        path, headers=admin.headers, json={"allowanceResetDate": later.timestamp() * 1000}
    )
    assert dated.status_code == 200, dated.text
    usage = ok(client.get(f"{ME}/usage", headers=member.headers))
    assert datetime.fromisoformat(usage["allowance_reset_at"]) <= later
    assert usage["monthly_allowance"] == 20.0  # left out: unchanged


def test_a_refused_admin_form_changes_nothing(new_account: Any, client: TestClient) -> None:
    admin: Account = new_account()
    member: Account = new_account(invited_by=admin)
    path = f"/api/v1/admin/users/{member.user_id}"

    above = admin.client.put(
        path,
        headers=admin.headers,
        json={"monthlyAllowance": 2, "spendRemaining": 3, "role": "admin"},
    )
    unlimited = admin.client.put(path, headers=admin.headers, json={"spendRemaining": 1})
    past = admin.client.put(path, headers=admin.headers, json={"allowanceResetDate": 1})

    assert_error(above, 422)
    assert_error(unlimited, 409)
    assert_error(past, 422)
    seen = admin.client.get(path, headers=admin.headers).json()
    assert seen["role"] == "member"
    assert ok(client.get(f"{ME}/usage", headers=member.headers))["monthly_allowance"] is None


def test_the_admin_form_is_404_for_another_teams_account(new_account: Any) -> None:
    admin: Account = new_account()
    outsider: Account = new_account()

    answer = admin.client.put(
        f"/api/v1/admin/users/{outsider.user_id}",
        headers=admin.headers,
        json={"monthlyAllowance": 1},
    )

    assert_error(answer, 404)


def test_a_service_token_has_no_account_and_a_gone_account_is_404(
    client: TestClient, team: str
) -> None:
    service = ok(client.get(ME, headers=bearer(team, "admin", f"service:{team}")))
    gone = client.get(ME, headers=bearer(team, "member", "u-deleted"))

    assert (service["basicInfo"]["email"], service["basicInfo"]["displayName"]) == (None, None)
    assert service["basicInfo"]["userId"] == f"service:{team}"
    assert_error(gone, 404)

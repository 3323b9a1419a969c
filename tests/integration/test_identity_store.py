"""The identity stores on emulated DynamoDB: the conditions that keep accounts, sessions
and invitations right hold at the store, whatever service calls it."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import pytest

from shared.errors import Conflict, NotFound
from shared.identity.domain import Credential, Invitation, User
from shared.identity.store import invitations, sessions, users
from shared.ids import new_id, utcnow

pytestmark = pytest.mark.usefixtures("aws")


def make_account(
    team_id: str,
    email: str,
    *,
    user_id: str | None = None,
    role: str = "admin",
    invitation: Invitation | None = None,
) -> User:
    return users.create_account(
        team_id=team_id,
        user_id=user_id or new_id(),
        email=email,
        full_name="Ada",
        role=role,
        password_hash="argon2-hash",
        invitation=invitation,
    )


def test_an_email_is_one_account_across_teams() -> None:
    # Given an account; when another team registers the same email, then 409 and no user.
    make_account("ids-t1", "one@example.com")
    second = new_id()

    with pytest.raises(Conflict, match="already exists"):
        make_account("ids-t2", "one@example.com", user_id=second)
    with pytest.raises(NotFound):
        users.get_user("ids-t2", second)
    found = users.account_by_email("one@example.com")
    assert found is not None
    assert found.user.team_id == "ids-t1"


def test_an_admin_change_on_a_stale_read_is_a_conflict_after_a_write_without_a_read() -> None:
    # Given an admin's read of an account, then a sign-in stamped without reading it first;
    # when the admin's change is written, then it is refused: the unread write still moved
    # the version on (added to it, never reset).
    user = make_account("ids-t3", "stale@example.com")
    read = users.get_account("ids-t3", user.user_id)
    users.record_login("ids-t3", user.user_id, at=utcnow())

    with pytest.raises(Conflict):
        users.change_user(read, role="member")
    fresh = users.get_account("ids-t3", user.user_id)
    assert fresh.version == read.version + 1
    assert users.change_user(fresh, role="member").role == "member"


def test_a_totp_step_is_accepted_once() -> None:
    user = make_account("ids-t4", "totp@example.com")

    assert users.advance_totp_step("ids-t4", user.user_id, 100)
    assert not users.advance_totp_step("ids-t4", user.user_id, 100)
    assert not users.advance_totp_step("ids-t4", user.user_id, 99)
    assert users.advance_totp_step("ids-t4", user.user_id, 101)


def test_an_invitation_makes_one_account() -> None:
    # Given an invitation read by two registrations; then the second is refused.
    invitation = invitations.create_invitation(
        team_id="ids-t5",
        invitation_id=new_id(),
        email="guest@example.com",
        role="member",
        secret_hash="digest",
        invited_by="admin",
        expires_at=utcnow() + timedelta(days=1),
    )
    joined = make_account("ids-t5", "guest@example.com", role="member", invitation=invitation)

    with pytest.raises(users.InvitationTaken):
        make_account("ids-t5", "other@example.com", role="member", invitation=invitation)
    accepted = invitations.get_invitation("ids-t5", invitation.invitation_id)
    assert accepted is not None
    assert accepted.accepted_by == joined.user_id


def test_a_refresh_token_rotates_once() -> None:
    # Given a sign-in; when its token is rotated twice from the same read, the second loses.
    now = utcnow()
    started = sessions.start_session(
        "ids-t6", new_id(), "u1", current_hash="h0", at=now, expires_at=now + timedelta(days=1)
    )
    first = sessions.rotate_session(
        started, presented_hash="h0", new_hash="h1", used=["h0"], at=now
    )
    second = sessions.rotate_session(
        started, presented_hash="h0", new_hash="h2", used=["h0"], at=now
    )

    assert first is not None
    assert first.current_hash == "h1"
    assert first.used_hashes == ("h0",)
    assert second is None
    sessions.revoke_session("ids-t6", started.family_id, "logout")
    assert sessions.live_sessions("ids-t6", "u1") == []


def test_what_routes_get_carries_no_secret() -> None:
    secret_names = {"password_hash", "totp_secret", "pending_totp_secret", "secret_hash"}
    for shape in (User, Credential):
        assert secret_names.isdisjoint(field.name for field in fields(shape))

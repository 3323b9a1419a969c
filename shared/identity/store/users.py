"""Accounts' storage: users, the email claims that make an address unique, teams, and
TOTP state. The only code that reads or writes these items; it answers `User` and
`Account`, never an item.

Writes that change one attribute of an account (sign-in time, password, MFA state) are
not conditioned on the version read: they are last-write-wins, as each concerns the
caller's own account; an admin's change of another account is conditioned on it.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import query_page
from shared.db.transactions import condition_failed, transact
from shared.errors import Conflict
from shared.identity.domain import Account, Invitation, User
from shared.identity.models import (
    EMAIL_CLAIM,
    TEAM,
    EmailClaimItem,
    InvitationItem,
    TeamRecord,
    UserItem,
    email_key,
    invitation_key,
    user_key,
)
from shared.pagination import PageParams

EMAIL_TAKEN = "An account with this email already exists"


class InvitationTaken(Exception):
    """The invitation an account was registering with was accepted (or changed) first."""


def _user(item: UserItem) -> User:
    return User(
        user_id=item.user_id,
        team_id=item.team_id,
        email=item.email,
        full_name=item.full_name,
        role=item.role,
        disabled=bool(item.disabled),
        mfa_enabled=bool(item.mfa_enabled),
        created_at=item.created_at,
        last_login_at=item.last_login_at,
    )


def _account(item: UserItem) -> Account:
    return Account(
        user=_user(item),
        password_hash=item.password_hash,
        totp_secret=item.totp_secret,
        pending_totp_secret=item.pending_totp_secret,
        totp_last_step=int(item.totp_last_step or 0),
        version=int(item.version or 0),
    )


def _key(team_id: str, user_id: str, version: int = 0) -> UserItem:
    """The account's key, to update without reading. `version` is checked only when the
    write asks for it; either way DynamoDB adds 1 to the stored one."""
    return UserItem(team_partition(team_id), user_key(user_id), version=version)


def _update(
    team_id: str,
    user_id: str,
    actions: list[Action],
    *,
    condition: Condition | None = None,
    version: int | None = None,
) -> UserItem:
    item = _key(team_id, user_id, version or 0)
    with storage_errors("user"):
        item.update(actions=actions, condition=condition, add_version_condition=version is not None)
    return item  # as written: UpdateItem answers the whole new item


def get_user(team_id: str, user_id: str) -> User:
    """The team's account `user_id`; NotFound ("user not found") when the team has none."""
    return get_account(team_id, user_id).user


def get_account(team_id: str, user_id: str) -> Account:
    """The account with its secrets, for the rules that check them; NotFound as get_user."""
    with storage_errors("user"):
        return _account(UserItem.get(team_partition(team_id), user_key(user_id)))


def ensure_user(team_id: str, user_id: str) -> None:
    """NotFound ("user not found") unless the team has the account; reads its key only."""
    with storage_errors("user"):
        UserItem.get(team_partition(team_id), user_key(user_id), attributes_to_get=["user_id"])


def account_by_email(email: str) -> Account | None:
    """The account an email (already normalized) belongs to, in whichever team."""
    claim = get_or_none(EmailClaimItem, email_key(email), EMAIL_CLAIM)
    if claim is None:
        return None
    item = get_or_none(UserItem, team_partition(claim.team_id), user_key(claim.user_id))
    return None if item is None else _account(item)


def users_page(team_id: str, params: PageParams) -> tuple[list[User], int, str | None]:
    """The team's accounts, oldest first."""
    items, total, cursor = query_page(
        UserItem,
        team_partition(team_id),
        params,
        range_key_condition=UserItem.sk.startswith(user_key()),
        newest_first=False,
    )
    return [_user(item) for item in items], total, cursor


def create_account(
    *,
    team_id: str,
    user_id: str,
    email: str,
    full_name: str,
    role: str,
    password_hash: str,
    invitation: Invitation | None,
) -> User:
    """The account and its email claim in one transaction, with its new team (named after
    the account) or, for an invited account, the invitation marked accepted.

    Conflict when the email is taken; InvitationTaken when the invitation was accepted or
    changed since it was read."""
    user = UserItem(
        team_partition(team_id),
        user_key(user_id),
        team_id=team_id,
        user_id=user_id,
        email=email,
        full_name=full_name,
        role=role,
        password_hash=password_hash,
    )
    claim = EmailClaimItem(email_key(email), team_id=team_id, user_id=user_id)

    def write(transaction: TransactWrite) -> None:
        transaction.save(claim, condition=EmailClaimItem.pk.does_not_exist())
        transaction.save(user, condition=UserItem.pk.does_not_exist())
        if invitation is None:
            team = TeamRecord(team_partition(team_id), TEAM, team_id=team_id, name=full_name)
            transaction.save(team, condition=TeamRecord.pk.does_not_exist())
        else:
            accepted = InvitationItem(
                team_partition(invitation.team_id),
                invitation_key(invitation.invitation_id),
                version=invitation.version,
            )
            # Conditioned on the version read as well (PynamoDB adds it).
            transaction.update(
                accepted,
                actions=[InvitationItem.accepted_by.set(user_id)],
                condition=InvitationItem.accepted_by.does_not_exist(),
            )

    # Reasons in order: the email claim, the user, then the team or the invitation.
    reasons = transact(write, what="account")
    if condition_failed(reasons, 0):
        raise Conflict(EMAIL_TAKEN)
    if invitation is not None and condition_failed(reasons, 2):
        raise InvitationTaken
    if reasons:
        raise Conflict("account was changed by another request; reload and retry")
    return _user(user)


def record_login(
    team_id: str, user_id: str, *, at: datetime, password_hash: str | None = None
) -> User:
    """Stamp a sign-in; with `password_hash`, the password rehashed under current settings."""
    actions: list[Action] = [UserItem.last_login_at.set(at)]
    if password_hash is not None:
        actions.append(UserItem.password_hash.set(password_hash))
    return _user(_update(team_id, user_id, actions))


def set_password(team_id: str, user_id: str, password_hash: str) -> None:
    _update(team_id, user_id, [UserItem.password_hash.set(password_hash)])


def set_full_name(team_id: str, user_id: str, full_name: str) -> User:
    return _user(_update(team_id, user_id, [UserItem.full_name.set(full_name)]))


def change_user(
    account: Account,
    *,
    role: str | None = None,
    disabled: bool | None = None,
    full_name: str | None = None,
) -> User:
    """An admin's change to an account, conditioned on the version `account` was read at
    (Conflict when it changed since). Unchanged when nothing is given."""
    actions: list[Action] = []
    if role is not None:
        actions.append(UserItem.role.set(role))
    if disabled is not None:
        actions.append(UserItem.disabled.set(disabled))
    if full_name is not None:
        actions.append(UserItem.full_name.set(full_name))
    if not actions:
        return account.user
    user = account.user
    return _user(_update(user.team_id, user.user_id, actions, version=account.version))


def advance_totp_step(team_id: str, user_id: str, step: int) -> bool:
    """Record `step` as the last TOTP step accepted, if it is newer than the stored one;
    False when it is not. The condition makes a code good once, even between two racing
    requests."""
    try:
        _key(team_id, user_id).update(
            actions=[UserItem.totp_last_step.set(step)],
            condition=UserItem.totp_last_step < step,
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        with storage_errors("user"):
            raise
    return True


def set_pending_totp(team_id: str, user_id: str, secret: str) -> None:
    _update(team_id, user_id, [UserItem.pending_totp_secret.set(secret)])


def enable_mfa(team_id: str, user_id: str, secret: str) -> None:
    """The pending secret, proven by a code, becomes the account's TOTP secret."""
    _update(
        team_id,
        user_id,
        [
            UserItem.totp_secret.set(secret),
            UserItem.pending_totp_secret.remove(),
            UserItem.mfa_enabled.set(True),
        ],
    )


def disable_mfa(team_id: str, user_id: str) -> None:
    _update(team_id, user_id, [UserItem.totp_secret.remove(), UserItem.mfa_enabled.set(False)])

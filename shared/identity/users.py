"""Looking up one of a team's accounts: a GetItem on the team's own partition."""

from __future__ import annotations

from collections.abc import Sequence

from shared.db.base import storage_errors, team_partition
from shared.identity.models import UserItem, user_key


def get_user(team_id: str, user_id: str, *, attributes: Sequence[str] | None = None) -> UserItem:
    """The team's account `user_id`; NotFound ("user not found") when the team has none.

    `attributes` projects the read: the item also holds the password hash and TOTP secret,
    which a caller that only checks the account exists has no use for."""
    with storage_errors("user"):
        return UserItem.get(
            team_partition(team_id), user_key(user_id), attributes_to_get=attributes
        )

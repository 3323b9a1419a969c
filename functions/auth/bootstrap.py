"""The local first start: an admin account, so `make dev` is usable at once.

The password comes from LOCAL_ADMIN_PASSWORD, or is generated and shown once by the
caller. Never run deployed: there the first account registers itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from functions.auth import accounts

LOCAL_TEAM = "default"


@dataclass(frozen=True, slots=True)
class FirstAdmin:
    email: str
    password: str
    generated: bool
    team_id: str


def create_first_admin() -> FirstAdmin:
    from shared.settings import get_settings

    settings = get_settings()
    if not settings.is_local:
        raise RuntimeError("the first admin is created by the local runtime only")
    given = settings.local_admin_password
    password = given.get_secret_value() if given else secrets.token_urlsafe(18)
    user = accounts.register(
        settings.local_admin_email,
        password,
        "Local admin",
        None,
        "127.0.0.1",
        new_team_id=LOCAL_TEAM,
    )
    return FirstAdmin(user.email, password, given is None, user.team_id)

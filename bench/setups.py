"""Scenario setups: state a warm scenario needs, made once before its warm-up."""

from __future__ import annotations

import contextlib
import os


def signed_in_admin() -> dict[str, str]:
    """Emulated AWS for the rest of the process, the local first admin, signed in: the
    bearer header of a real access token (its check is the cost being measured)."""
    os.environ.setdefault("APP_ENV", "local")
    from functions.auth import accounts
    from functions.auth.bootstrap import create_first_admin
    from shared.settings import get_settings
    from tools.local.emulator import emulated_aws, use_fake_credentials

    settings = get_settings()
    use_fake_credentials(settings.aws_region)
    stack = contextlib.ExitStack()
    stack.enter_context(emulated_aws(settings))  # left open: the process ends with the run
    first = create_first_admin()
    pair = accounts.login(first.email, first.password, None, "192.0.2.1")
    return {"authorization": f"Bearer {pair.access_token}"}

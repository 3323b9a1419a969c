"""TOTP (RFC 6238) with pyotp: 30 s steps, 6 digits, one step of clock drift either way.

`matching_step` answers which time step a code belongs to; `accept` checks a code for an
account and records its step, so the same code (or an older one) is refused again. Here in
the identity kernel, not the auth group: sign-in and MFA changes (auth) and a vault reveal
(secrets) ask for a code the same way, under one per-account attempt limit.
"""

from __future__ import annotations

import base64
import hmac
import io
import time

import pyotp

from shared.identity.domain import Account
from shared.identity.store import users
from shared.ratelimit import Limit

ISSUER = "Software Factory"
DRIFT_STEPS = 1
# Six digits are a million guesses; a few per minute per account keeps that out of reach.
# One budget for every check of an account's code (MFA changes, a vault reveal).
ATTEMPTS_PER_USER = Limit("mfa-user", requests=10, window_seconds=300)


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_png_base64(uri: str) -> str:
    import segno

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=5, border=2)
    return base64.b64encode(buffer.getvalue()).decode()


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step `code` is valid for (now, or one step either side); None if none."""
    # ASCII only: isdigit() admits other scripts' digits, which compare_digest refuses.
    if not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if now is None else now)
    for step in (current, current - DRIFT_STEPS, current + DRIFT_STEPS):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def accept(account: Account, secret: str | None, code: str) -> bool:
    """Whether `code` is good for `secret` and newer than the last one accepted; records it.

    The store's conditional write makes a code good once, even when two requests race
    with it.
    """
    step = matching_step(secret, code) if secret else None
    if step is None or step <= account.totp_last_step:
        return False
    return users.advance_totp_step(account.user.team_id, account.user.user_id, step)

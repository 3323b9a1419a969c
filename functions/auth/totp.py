"""TOTP (RFC 6238) with pyotp: 30 s steps, 6 digits, one step of clock drift either way.

`matching_step` answers which time step a code belongs to, so the caller can store it and
refuse the same code (or an older one) again.
"""

from __future__ import annotations

import base64
import hmac
import io
import time

import pyotp

ISSUER = "Software Factory"
DRIFT_STEPS = 1


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

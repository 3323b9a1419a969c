"""Standard Webhooks 1.0 signatures, made with the reference library (`standardwebhooks`):
`v1,<base64 HMAC-SHA256(key, id.timestamp.body)>`, the key being the base64 after `whsec_`.
While a rotated-out secret still signs, each secret's signature goes in the one header,
space-separated, so a receiver holding either verifies."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix, not a secret)
# 32 random bytes: the spec asks for 24 to 64.
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def headers(signing_secrets: list[str], message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The three headers of a delivery made at `at`, signed with every secret given."""
    from standardwebhooks import Webhook

    signatures = [Webhook(secret).sign(message_id, at, body) for secret in signing_secrets]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }

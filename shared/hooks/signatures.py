"""The signature schemes an inbound source can use, and its secret's shape for each.

- ``standard-webhooks``: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``
  (``v1,<base64 HMAC-SHA256(key, id.timestamp.body)>``, several space-separated during a
  rotation), verified by the reference library ``standardwebhooks``; the type is the
  body's ``type``.
- ``github``: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>``; the id is
  ``X-GitHub-Delivery``, the type ``X-GitHub-Event``. No timestamp is signed.
- ``stripe``: ``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t.body)>`` (several
  ``v1`` during a rotation); the id and type are the event's ``id`` and ``type``. Checked
  here with ``hmac.compare_digest``, not with the ``stripe`` library: its webhook module
  costs ~200 ms of import (it loads the whole client and ``requests``; measured with
  ``python -X importtime``), which every cold start of /hooks would pay.
- ``hmac-sha256``: the source's named header holds the HMAC-SHA256 of the body, hex or
  base64, optionally prefixed ``sha256=``; the id is ``webhook-id`` or ``Idempotency-Key``
  when sent; the type is ``X-Event-Type``, else the body's ``type`` or ``event``.

A message with no id of its own is identified by its body's SHA-256: without a signed
timestamp, a replayed capture is the only thing its repetition can be.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any

from shared.hooks.domain import (
    TIMESTAMP_TOLERANCE_SECONDS,
    Message,
    Scheme,
    SignatureRefused,
    SourceLookup,
)

# A sort key holds at most 1024 bytes; a longer id is kept as its digest.
MAX_MESSAGE_ID = 256
STANDARD_PREFIX = "whsec_"
# Standard Webhooks 1.0: a key of at least 24 bytes (the spec suggests 24 to 64).
MIN_STANDARD_KEY_BYTES = 24
_GENERATED_KEY_BYTES = 32


def new_secret(scheme: Scheme) -> str:
    """A fresh secret in the shape the scheme's senders expect."""
    key = secrets.token_bytes(_GENERATED_KEY_BYTES)
    if scheme == "standard-webhooks":
        return STANDARD_PREFIX + base64.b64encode(key).decode()
    if scheme == "stripe":
        return STANDARD_PREFIX + base64.b32encode(key).decode().rstrip("=").lower()
    return secrets.token_urlsafe(_GENERATED_KEY_BYTES)


def secret_problem(scheme: Scheme, secret: str) -> str | None:
    """Why a secret given at creation (Stripe issues its own) cannot serve the scheme."""
    if scheme != "standard-webhooks":
        return None
    if not secret.startswith(STANDARD_PREFIX):
        return "a standard-webhooks secret starts with whsec_"
    try:
        key = base64.b64decode(secret.removeprefix(STANDARD_PREFIX), validate=True)
    except binascii.Error:
        return "a standard-webhooks secret is whsec_ and base64"
    if len(key) < MIN_STANDARD_KEY_BYTES:
        return f"a standard-webhooks key is at least {MIN_STANDARD_KEY_BYTES} bytes"
    return None


def verify(source: SourceLookup, headers: Mapping[str, str], body: bytes, now: float) -> Message:
    """The verified message, or SignatureRefused with the reason. `headers` are looked up
    by lower-case name (Starlette's headers are case-insensitive)."""
    if source.scheme == "standard-webhooks":
        return _standard(source.secret, headers, body, now)
    if source.scheme == "github":
        return _github(source.secret, headers, body)
    if source.scheme == "stripe":
        return _stripe(source.secret, headers, body, now)
    return _hmac_header(source.secret, source.header or "", headers, body)


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _message_id(sent: str | None, body: bytes) -> str:
    if not sent:
        return f"sha256:{body_digest(body)}"
    if len(sent) > MAX_MESSAGE_ID:
        return f"sha256-id:{hashlib.sha256(sent.encode()).hexdigest()}"
    return sent


def _json_field(body: bytes, *names: str) -> str | None:
    try:
        document: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    for name in names:
        value = document.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _check_timestamp(value: str, now: float, header: str) -> None:
    try:
        sent = int(value)
    except ValueError as exc:
        raise SignatureRefused(f"{header} is not a Unix time in seconds") from exc
    skew = now - sent
    if abs(skew) > TIMESTAMP_TOLERANCE_SECONDS:
        direction = "old" if skew > 0 else "far in the future"
        raise SignatureRefused(
            f"stale timestamp: {header} is {abs(int(skew))} s {direction}, beyond the "
            f"{TIMESTAMP_TOLERANCE_SECONDS} s tolerance"
        )


def _required(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name.lower())
    if not value:
        raise SignatureRefused(f"missing {name} header")
    return value


def _standard(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> Message:
    from standardwebhooks import Webhook, WebhookVerificationError

    message_id = _required(headers, "webhook-id")
    _check_timestamp(_required(headers, "webhook-timestamp"), now, "webhook-timestamp")
    signature = _required(headers, "webhook-signature")
    try:
        Webhook(secret).verify(
            body,
            {
                "webhook-id": message_id,
                "webhook-timestamp": headers.get("webhook-timestamp", ""),
                "webhook-signature": signature,
            },
            json_parse=False,
        )
    except WebhookVerificationError as exc:
        raise SignatureRefused(f"webhook-signature: {str(exc).lower()}") from exc
    except ValueError as exc:  # a malformed signature list or base64, a non-UTF-8 body
        raise SignatureRefused("webhook-signature is malformed") from exc
    return Message(_message_id(message_id, body), _json_field(body, "type") or "unknown")


def _hex_hmac(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def _github(secret: str, headers: Mapping[str, str], body: bytes) -> Message:
    sent = _required(headers, "X-Hub-Signature-256")
    expected = "sha256=" + _hex_hmac(secret.encode(), body)
    if not hmac.compare_digest(expected.encode(), sent.strip().lower().encode()):
        raise SignatureRefused("X-Hub-Signature-256 does not match the body")
    return Message(
        _message_id(headers.get("x-github-delivery"), body),
        headers.get("x-github-event") or "unknown",
    )


def _stripe(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> Message:
    sent = _required(headers, "Stripe-Signature")
    timestamp: str | None = None
    candidates: list[str] = []
    for part in sent.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureRefused("Stripe-Signature needs t= and v1=")
    _check_timestamp(timestamp, now, "Stripe-Signature t")
    expected = _hex_hmac(secret.encode(), timestamp.encode() + b"." + body).encode()
    # Every candidate is compared: which one matched must not show in the timing.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate.lower().encode())
    if not matched:
        raise SignatureRefused("Stripe-Signature has no v1 signature matching the body")
    return Message(
        _message_id(_json_field(body, "id"), body), _json_field(body, "type") or "unknown"
    )


def _hmac_header(secret: str, header: str, headers: Mapping[str, str], body: bytes) -> Message:
    sent = _required(headers, header).strip()
    sent = sent[len("sha256=") :] if sent.lower().startswith("sha256=") else sent
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    as_hex = hmac.compare_digest(digest.hex().encode(), sent.lower().encode())
    as_base64 = hmac.compare_digest(base64.b64encode(digest), sent.encode())
    if not (as_hex or as_base64):
        raise SignatureRefused(f"{header} does not match the body")
    sent_id = headers.get("webhook-id") or headers.get("idempotency-key")
    event_type = headers.get("x-event-type") or _json_field(body, "type", "event") or "unknown"
    return Message(_message_id(sent_id, body), event_type)

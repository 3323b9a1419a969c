"""S3's browser-based upload (a POST of a form to the bucket) as S3 checks it, for the
emulated S3 served over HTTP (tools.local.emulator.s3_over_http).

moto 5.2.5 does not evaluate POST policies: its `_bucket_response_post` stores whatever
body a form carries, under whatever key it names, whatever its size or type. Deployed,
S3 refuses a form unless its policy was signed with the credentials of someone allowed to
write, has not expired, and every condition holds. `PostPolicyCheck` is that check, in
front of moto's server app, so an upload through a presigned POST is refused locally
exactly where it would be refused deployed:

- the policy's signature (SigV4, or SigV2 as S3 still takes in its older regions and as
  boto3 signs for them by default), with the emulated credentials (403
  SignatureDoesNotMatch, 403 InvalidAccessKeyId for a key the emulator does not have);
- its expiration (403 AccessDenied, "Policy expired");
- every condition: `{"field": value}` and `["eq", "$field", value]` (exact),
  `["starts-with", "$field", prefix]` (each of a comma-separated Content-Type's values),
  `["content-length-range", min, max]` on the file's size (400 EntityTooSmall /
  EntityTooLarge), the bucket taken from the request, field names case-insensitive
  (403 AccessDenied, "Policy Condition failed");
- every field of the form named by a condition, but the signature, the policy, the file
  and `x-ignore-*` (403 AccessDenied, "Extra input fields");
- exactly one file, and a key (400 InvalidArgument).

Answers are S3's XML errors. One difference, on the side of refusing: S3 ignores the
fields after the file, this check reads them like the others (moto stores what they say).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.formparser import parse_form_data

# Fields a condition never names (S3's list): the signature, the policy, the file, and
# whatever the form marks ignorable.
_UNCONDITIONED = frozenset({"policy", "x-amz-signature", "file", "signature", "awsaccesskeyid"})
_IGNORED_PREFIX = "x-ignore-"
_ALGORITHM = "AWS4-HMAC-SHA256"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def utcnow() -> datetime:
    """The check's clock (tests move it instead of waiting for a policy to expire)."""
    return datetime.now(UTC)


def emulated_secret(access_key_id: str) -> str | None:
    """The secret of `access_key_id` if it is the emulated account's (the credentials
    tools.local.emulator.use_fake_credentials gives every client), else None."""
    if access_key_id and access_key_id == os.environ.get("AWS_ACCESS_KEY_ID"):
        return os.environ.get("AWS_SECRET_ACCESS_KEY")
    return None


class Refused(Exception):
    """S3's answer to a form it does not store."""

    def __init__(
        self, status: int, code: str, message: str, extra: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__(code, message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def xml(self) -> bytes:
        parts = [f"<Code>{self.code}</Code>", f"<Message>{escape(self.message)}</Message>"]
        parts += [f"<{name}>{escape(value)}</{name}>" for name, value in self.extra]
        parts.append(f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId>")
        body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>"
        return body.encode()


def _denied(message: str) -> Refused:
    return Refused(403, "AccessDenied", f"Invalid according to Policy: {message}")


def _invalid(message: str) -> Refused:
    return Refused(400, "InvalidArgument", message)


def _bad_policy(message: str) -> Refused:
    return Refused(400, "InvalidPolicyDocument", f"Invalid Policy: {message}")


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """SigV4's key for one day, region and service."""
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def policy_signature(policy: str, secret: str, date: str, region: str) -> str:
    """The SigV4 signature of a POST policy (its base64 text, as the form carries it)."""
    key = signing_key(secret, date, region, "s3")
    return hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Form:
    """A POST form as S3 reads it: field names lower-cased, each with its values, and the
    sizes of the files sent."""

    bucket: str
    fields: dict[str, list[str]]
    file_sizes: list[int]

    def values(self, name: str) -> list[str] | None:
        if name == "bucket":
            return [self.bucket]
        return self.fields.get(name)

    def one(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[0] if values else None


def check_form(
    form: Form,
    *,
    secret_for: Callable[[str], str | None] = emulated_secret,
    now: datetime | None = None,
) -> None:
    """Raise `Refused` as S3 would answer `form`; return when S3 would store it."""
    policy = form.one("policy")
    if policy is None:
        # No policy: an anonymous write, which a private bucket refuses.
        raise Refused(403, "AccessDenied", "Access Denied")
    _check_signature(form, policy, secret_for)
    document = _decode(policy)
    _check_expiration(document, utcnow() if now is None else now)
    if len(form.file_sizes) != 1:
        raise _invalid("POST requires exactly one file upload per request.")
    if not form.one("key"):
        raise _invalid("Bucket POST must contain a field named 'key'.")
    named = _check_conditions(document, form)
    extra = sorted(
        name
        for name in form.fields
        if name not in _UNCONDITIONED and not name.startswith(_IGNORED_PREFIX) and name not in named
    )
    if extra:
        raise _denied(f"Extra input fields: {', '.join(extra)}")


def _unknown_key(access_key_id: str) -> Refused:
    return Refused(
        403,
        "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records.",
        (("AWSAccessKeyId", access_key_id),),
    )


def _mismatch() -> Refused:
    return Refused(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
    )


def _check_signature_v2(form: Form, policy: str, secret_for: Callable[[str], str | None]) -> None:
    """SigV2: base64 of the HMAC-SHA1 of the policy's base64 text, with the secret."""
    access_key_id = form.one("awsaccesskeyid") or ""
    secret = secret_for(access_key_id)
    if secret is None:
        raise _unknown_key(access_key_id)
    digest = hmac.new(secret.encode(), policy.encode(), hashlib.sha1).digest()
    if not hmac.compare_digest(base64.b64encode(digest).decode(), form.one("signature") or ""):
        raise _mismatch()


def _check_signature(form: Form, policy: str, secret_for: Callable[[str], str | None]) -> None:
    algorithm = form.one("x-amz-algorithm")
    if algorithm is None and "awsaccesskeyid" in form.fields:
        _check_signature_v2(form, policy, secret_for)
        return
    if algorithm != _ALGORITHM:
        raise Refused(
            400,
            "InvalidRequest",
            "The authorization mechanism you have provided is not supported. "
            f"Please use {_ALGORITHM}.",
        )
    credential = (form.one("x-amz-credential") or "").split("/")
    signature = form.one("x-amz-signature") or ""
    if len(credential) != 5 or credential[3:] != ["s3", "aws4_request"] or not signature:
        raise _invalid("the form's x-amz-credential or x-amz-signature is malformed")
    access_key_id, date, region = credential[:3]
    secret = secret_for(access_key_id)
    if secret is None:
        raise _unknown_key(access_key_id)
    expected = policy_signature(policy, secret, date, region)
    if not hmac.compare_digest(expected, signature.lower()):
        raise _mismatch()


def _decode(policy: str) -> dict[str, Any]:
    try:
        document = json.loads(base64.b64decode(policy, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise _bad_policy("Invalid JSON.") from exc
    if not isinstance(document, dict) or not isinstance(document.get("conditions"), list):
        raise _bad_policy("Policy must have a list of conditions.")
    return document


def _check_expiration(document: dict[str, Any], now: datetime) -> None:
    text = document.get("expiration")
    if not isinstance(text, str):
        raise _bad_policy("Policy missing expiration.")
    try:
        expiration = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _bad_policy("Invalid 'expiration' value: '" + text + "'") from exc
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=UTC)
    if now >= expiration:
        raise _denied("Policy expired.")


def _condition_failed(condition: Any) -> Refused:
    return _denied(f"Policy Condition failed: {json.dumps(condition)}")


def _field(reference: Any, condition: Any) -> str:
    if not isinstance(reference, str) or not reference.startswith("$"):
        raise _bad_policy(f"Invalid condition: {json.dumps(condition)}")
    return reference[1:].lower()


def _check_conditions(document: dict[str, Any], form: Form) -> set[str]:
    """Check each condition; answer the names of the fields they name."""
    named: set[str] = set()
    for condition in document["conditions"]:
        if isinstance(condition, dict) and len(condition) == 1:
            [(name, expected)] = condition.items()
            name = name.lower()
            named.add(name)
            _equal(form, name, expected, condition)
        elif isinstance(condition, list) and len(condition) == 3:
            operator = str(condition[0]).lower()
            if operator == "content-length-range":
                _length(form, condition)
                continue
            name = _field(condition[1], condition)
            named.add(name)
            if operator == "eq":
                _equal(form, name, condition[2], condition)
            elif operator == "starts-with":
                _starts_with(form, name, condition[2], condition)
            else:
                raise _bad_policy(f"Invalid condition operator: {condition[0]}")
        else:
            raise _bad_policy(f"Invalid condition: {json.dumps(condition)}")
    return named


def _equal(form: Form, name: str, expected: Any, condition: Any) -> None:
    values = form.values(name)
    if not isinstance(expected, str) or not values or any(v != expected for v in values):
        raise _condition_failed(condition)


def _starts_with(form: Form, name: str, prefix: Any, condition: Any) -> None:
    if not isinstance(prefix, str):
        raise _bad_policy(f"Invalid condition: {json.dumps(condition)}")
    values = form.values(name)
    if values is None:
        if prefix == "":  # "any value": the field may also be left out
            return
        raise _condition_failed(condition)
    for value in values:
        # S3 reads a Content-Type as the comma-separated list it may be.
        parts = [p.strip() for p in value.split(",")] if name == "content-type" else [value]
        if not all(part.startswith(prefix) for part in parts):
            raise _condition_failed(condition)


def _length(form: Form, condition: list[Any]) -> None:
    try:
        low, high = int(condition[1]), int(condition[2])
    except (TypeError, ValueError) as exc:
        raise _bad_policy(f"Invalid content-length-range: {json.dumps(condition)}") from exc
    [size] = form.file_sizes
    if size < low:
        raise Refused(
            400,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
            (("ProposedSize", str(size)), ("MinSizeAllowed", str(low))),
        )
    if size > high:
        raise Refused(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
            (("ProposedSize", str(size)), ("MaxSizeAllowed", str(high))),
        )


def _bucket(environ: dict[str, Any]) -> str | None:
    """The bucket a POST goes to (path style `/<bucket>`, or virtual-host style), or None
    when it goes to an object (`/<bucket>/<key>`: not a form upload)."""
    segments = [part for part in str(environ.get("PATH_INFO", "")).split("/") if part]
    if len(segments) == 1:
        return segments[0]
    if segments:
        return None
    host = str(environ.get("HTTP_HOST", "")).rsplit(":", 1)[0]
    label, dot, _ = host.partition(".")
    return label if dot and not label.isdigit() else ""


def read_form(environ: dict[str, Any], bucket: str, body: bytes) -> Form:
    """The form of a multipart POST whose `body` was read from `environ`."""
    copy = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    _, fields, files = parse_form_data(copy)
    values: dict[str, list[str]] = {}
    for name, value in fields.items(multi=True):
        values.setdefault(name.lower(), []).append(value)
    sizes = []
    for name, storage in files.items(multi=True):
        if name.lower() == "file":
            sizes.append(len(storage.read()))
        else:  # a file part under another name is a field S3 reads as text
            values.setdefault(name.lower(), []).append(storage.read().decode(errors="replace"))
    return Form(bucket=bucket, fields=values, file_sizes=sizes)


class PostPolicyCheck:
    """WSGI middleware in front of moto's server app: a form POST to a bucket is checked
    as S3 checks it (`check_form`) before moto sees it; every other request passes."""

    def __init__(
        self, app: WsgiApp, *, secret_for: Callable[[str], str | None] = emulated_secret
    ) -> None:
        self.app = app
        self.secret_for = secret_for

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        content_type = str(environ.get("CONTENT_TYPE", "")).lower()
        bucket = _bucket(environ)
        if (
            environ.get("REQUEST_METHOD") != "POST"
            or not content_type.startswith("multipart/form-data")
            or bucket is None
        ):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            check_form(read_form(environ, bucket, body), secret_for=self.secret_for)
        except Refused as refused:
            answer = refused.xml()
            start_response(
                f"{refused.status} {'Forbidden' if refused.status == 403 else 'Bad Request'}",
                [("Content-Type", "application/xml"), ("Content-Length", str(len(answer)))],
            )
            return [answer]
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)

"""The emulated S3's POST policy check (tools.local.s3_post_policy), on forms boto3 signs:
what S3 refuses, with S3's codes. (Over HTTP, through the API's presigned POSTs:
tests/api/test_files_api.py.)"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tools.local.s3_post_policy import Form, Refused, check_form

BUCKET = "policy-bucket"
KEY = "team-a/files/01JF3ZA1B2C3D4E5F6G7H8J9K0"
SECRET = "policy-secret"


def _secret_for(access_key_id: str) -> str | None:
    return SECRET if access_key_id == "policy-key" else None


def _signed(
    conditions: list[Any] | None = None,
    fields: dict[str, str] | None = None,
    *,
    version: str = "s3v4",
) -> dict[str, str]:
    """The fields of a presigned POST as boto3 signs it (no request is sent)."""
    s3 = boto3.client(
        "s3",
        region_name="eu-west-1",
        aws_access_key_id="policy-key",
        aws_secret_access_key=SECRET,
        config=Config(signature_version=version),
    )
    post = s3.generate_presigned_post(
        Bucket=BUCKET,
        Key=KEY,
        Fields={"Content-Type": "text/plain", **(fields or {})},
        Conditions=conditions
        if conditions is not None
        else [{"Content-Type": "text/plain"}, ["content-length-range", 1, 10]],
        ExpiresIn=600,
    )
    return dict(post["fields"])


def _form(fields: dict[str, str], size: int = 5, *, files: int = 1, bucket: str = BUCKET) -> Form:
    return Form(
        bucket=bucket,
        fields={name.lower(): [value] for name, value in fields.items()},
        file_sizes=[size] * files,
    )


def _refusal(form: Form, **options: Any) -> Refused:
    with pytest.raises(Refused) as caught:
        check_form(form, secret_for=_secret_for, **options)
    return caught.value


def _repolicy(fields: dict[str, str], change: Any) -> dict[str, str]:
    document = json.loads(base64.b64decode(fields["policy"]))
    change(document)
    return {**fields, "policy": base64.b64encode(json.dumps(document).encode()).decode()}


def test_a_form_as_signed_is_accepted() -> None:
    check_form(_form(_signed()), secret_for=_secret_for)


def test_a_sigv2_form_is_checked_with_its_own_signature() -> None:
    fields = _signed(version="s3")
    assert "x-amz-algorithm" not in fields

    check_form(_form(fields), secret_for=_secret_for)
    forged = _refusal(_form({**fields, "signature": "AAAA" + fields["signature"][4:]}))
    stranger = _refusal(_form({**fields, "AWSAccessKeyId": "someone"}))
    too_large = _refusal(_form(fields, size=11))

    assert forged.code == "SignatureDoesNotMatch"
    assert stranger.code == "InvalidAccessKeyId"
    assert too_large.code == "EntityTooLarge"


def test_sizes_outside_the_range_are_s3s_entity_errors() -> None:
    too_large = _refusal(_form(_signed(), size=11))
    too_small = _refusal(_form(_signed(), size=0))

    assert (too_large.status, too_large.code) == (400, "EntityTooLarge")
    assert b"<MaxSizeAllowed>10</MaxSizeAllowed>" in too_large.xml()
    assert (too_small.status, too_small.code) == (400, "EntityTooSmall")


def test_a_field_other_than_the_policy_says_fails_its_condition() -> None:
    refused = _refusal(_form({**_signed(), "Content-Type": "text/html"}))

    assert (refused.status, refused.code) == (403, "AccessDenied")
    assert "Policy Condition failed" in refused.message
    assert "Content-Type" in refused.message


def test_another_key_or_bucket_fails_the_conditions_boto3_adds() -> None:
    other_key = _refusal(_form({**_signed(), "key": "team-b/files/x"}))
    other_bucket = _refusal(_form(_signed(), bucket="another-bucket"))

    assert other_key.code == other_bucket.code == "AccessDenied"
    assert '"key"' in other_key.message
    assert '"bucket"' in other_bucket.message


def test_a_field_no_condition_names_is_refused_unless_marked_ignorable() -> None:
    extra = _refusal(_form({**_signed(), "x-amz-meta-owner": "b", "Cache-Control": "none"}))
    ignorable = _form({**_signed(), "x-ignore-note": "anything"})

    assert extra.code == "AccessDenied"
    assert extra.message.endswith("Extra input fields: cache-control, x-amz-meta-owner")
    check_form(ignorable, secret_for=_secret_for)


def test_starts_with_checks_the_prefix_and_each_of_a_content_types_values() -> None:
    fields = _signed(
        conditions=[["starts-with", "$Content-Type", "image/"], ["starts-with", "$key", "team-a/"]],
        fields={"Content-Type": "image/png"},
    )

    check_form(_form(fields), secret_for=_secret_for)
    check_form(_form({**fields, "Content-Type": "image/png, image/gif"}), secret_for=_secret_for)
    mixed = _refusal(_form({**fields, "Content-Type": "image/png, text/html"}))
    assert mixed.code == "AccessDenied"


def test_a_changed_policy_no_longer_matches_its_signature() -> None:
    def widen(document: dict[str, Any]) -> None:
        document["conditions"] = [
            ["content-length-range", 1, 10**9] if isinstance(c, list) else c
            for c in document["conditions"]
        ]

    refused = _refusal(_form(_repolicy(_signed(), widen), size=1000))

    assert (refused.status, refused.code) == (403, "SignatureDoesNotMatch")


def test_a_policy_past_its_expiration_is_refused() -> None:
    fields = _signed()
    later = datetime.now(UTC) + timedelta(seconds=601)

    refused = _refusal(_form(fields), now=later)

    assert (refused.status, refused.code) == (403, "AccessDenied")
    assert refused.message.endswith("Policy expired.")


def test_credentials_the_emulator_lacks_and_missing_parts_are_refused() -> None:
    fields = _signed()
    unknown = _refusal(
        _form({**fields, "x-amz-credential": fields["x-amz-credential"].replace("policy-key", "k")})
    )
    anonymous = _refusal(_form({"key": KEY, "Content-Type": "text/plain"}))
    no_file = _refusal(_form(fields, files=0))
    two_files = _refusal(_form(fields, files=2))
    garbled = _refusal(_form({**fields, "policy": "not base64!"}))

    assert (unknown.status, unknown.code) == (403, "InvalidAccessKeyId")
    assert (anonymous.status, anonymous.code) == (403, "AccessDenied")
    assert no_file.code == two_files.code == "InvalidArgument"
    # The signature is checked first: a policy that is not the signed one never matches.
    assert garbled.code == "SignatureDoesNotMatch"


def test_a_signed_policy_that_is_not_json_is_an_invalid_policy_document() -> None:
    from tools.local.s3_post_policy import policy_signature

    fields = _signed()
    policy = base64.b64encode(b"{not json").decode()
    _, date, region, _, _ = fields["x-amz-credential"].split("/")
    signed = {
        **fields,
        "policy": policy,
        "x-amz-signature": policy_signature(policy, SECRET, date, region),
    }

    refused = _refusal(_form(signed))

    assert (refused.status, refused.code) == (400, "InvalidPolicyDocument")

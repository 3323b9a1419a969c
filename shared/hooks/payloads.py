"""Inbound payloads too large to travel inline, in the artifacts bucket:

    hooks/<team>/<source>/<event id>.json

Written by the public path before the message is queued (SQS carries 256 KiB at most),
read back through a presigned URL (a page of events could otherwise exceed what a Lambda
function may answer).
"""

from __future__ import annotations

from shared.aws import client
from shared.settings import get_settings

URL_SECONDS = 900
# Every large payload lives under this prefix; the bucket's lifecycle rule (infra) expires
# it a day after its event's retention (shared.hooks.domain.EVENT_RETENTION_SECONDS).
PAYLOAD_PREFIX = "hooks/"


def payload_key(team_id: str, source_id: str, event_id: str) -> str:
    return f"{PAYLOAD_PREFIX}{team_id}/{source_id}/{event_id}.json"


def put_payload(team_id: str, source_id: str, event_id: str, body: bytes) -> str:
    key = payload_key(team_id, source_id, event_id)
    client("s3").put_object(
        Bucket=get_settings().artifacts_bucket, Key=key, Body=body, ContentType="application/json"
    )
    return key


def payload_url(key: str) -> str:
    url: str = client("s3").generate_presigned_url(
        "get_object",
        Params={"Bucket": get_settings().artifacts_bucket, "Key": key},
        ExpiresIn=URL_SECONDS,
    )
    return url


def read_payload(key: str) -> bytes:
    """A payload kept in S3, as received."""
    answer = client("s3").get_object(Bucket=get_settings().artifacts_bucket, Key=key)
    body: bytes = answer["Body"].read()
    return body

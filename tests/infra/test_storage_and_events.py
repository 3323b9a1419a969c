"""The artifacts bucket, its access-log bucket, the event bus and the dead-letter queue."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.assembly import Resource, Synthesized, arn_of, as_list

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]

BLOCK_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


def denies_insecure_transport(policy: Resource) -> bool:
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return any(
        statement["Effect"] == "Deny"
        and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        and as_list(statement["Action"]) in (["s3:*"], ["sqs:*"], ["sns:Publish"])
        for statement in statements
        if "Condition" in statement
    )


def policy_for(synth: Synthesized, policy_type: str, key: str, logical_id: str) -> Resource:
    (policy,) = [
        policy
        for policy in synth.resources(policy_type).values()
        if {"Ref": logical_id} in as_list(policy["Properties"][key])
        or policy["Properties"][key] == {"Ref": logical_id}
    ]
    return policy


def test_artifacts_bucket_is_private_encrypted_versioned_and_expires_old_versions(
    synthesized: Synthesized,
) -> None:
    bucket_id = synthesized.logical_id(synthesized.stack.artifacts.bucket)
    props = synthesized.template_json["Resources"][bucket_id]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == BLOCK_ALL
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    rule, payloads, exports = props["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0
    assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] > 0
    # Inbound payloads too large for SQS outlive their events (7 days) by a day, no more.
    assert (payloads["Prefix"], payloads["ExpirationInDays"]) == ("hooks/", 8)
    assert payloads["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1
    # Large exports are read through a 15-minute link: gone a day after they are written.
    assert (exports["Prefix"], exports["ExpirationInDays"]) == ("exports/", 1)
    # Browsers upload through presigned POSTs and read presigned links from any page; the
    # signature is the credential, and no other method is allowed cross-origin.
    (cors,) = props["CorsConfiguration"]["CorsRules"]
    assert sorted(cors["AllowedMethods"]) == ["GET", "HEAD", "POST"]
    assert cors["AllowedOrigins"] == ["*"]
    logs_id = synthesized.logical_id(synthesized.stack.artifacts.access_logs)
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": logs_id}
    policy = policy_for(synthesized, "AWS::S3::BucketPolicy", "Bucket", bucket_id)
    assert denies_insecure_transport(policy)


def test_access_log_bucket_is_private_and_tls_only(synthesized: Synthesized) -> None:
    logs_id = synthesized.logical_id(synthesized.stack.artifacts.access_logs)
    props = synthesized.template_json["Resources"][logs_id]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == BLOCK_ALL
    assert "BucketEncryption" in props
    assert props["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] > 0
    policy = policy_for(synthesized, "AWS::S3::BucketPolicy", "Bucket", logs_id)
    assert denies_insecure_transport(policy)


def test_buckets_are_retained_in_prod(prod: Synthesized) -> None:
    for bucket in prod.resources("AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Retain"
    assert not prod.resources("Custom::S3AutoDeleteObjects")


def test_buckets_empty_themselves_when_a_dev_stack_is_deleted(dev: Synthesized) -> None:
    emptied = {
        resource["Properties"]["BucketName"]["Ref"]
        for resource in dev.resources("Custom::S3AutoDeleteObjects").values()
    }
    assert emptied == set(dev.resources("AWS::S3::Bucket"))
    for bucket in dev.resources("AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Delete"


def test_event_bus_is_named_for_the_stage(synthesized: Synthesized) -> None:
    (bus,) = synthesized.resources("AWS::Events::EventBus").values()
    assert bus["Properties"]["Name"] == f"factory-{synthesized.stage}-bus"


def test_dead_letter_queue_is_encrypted_and_tls_only(synthesized: Synthesized) -> None:
    queue_id = synthesized.logical_id(synthesized.stack.events.dead_letter_queue)
    props = synthesized.template_json["Resources"][queue_id]["Properties"]
    assert props["QueueName"] == f"factory-{synthesized.stage}-dead-letter"
    assert props["SqsManagedSseEnabled"] is True
    assert props["MessageRetentionPeriod"] == 14 * 24 * 3600
    policy = policy_for(synthesized, "AWS::SQS::QueuePolicy", "Queues", queue_id)
    assert denies_insecure_transport(policy)
    assert policy["Properties"]["PolicyDocument"]["Statement"][0]["Resource"] == arn_of(queue_id)

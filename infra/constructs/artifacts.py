"""S3: the artifacts bucket (generated source trees, ZIPs, phase outputs, uploads).

Private, TLS-only and versioned; clients reach objects through presigned URLs only. Its
server access logs go to a separate logs bucket, which cannot log to itself.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.names import (
    ACCESS_LOG_DAYS,
    INCOMPLETE_UPLOAD_DAYS,
    NONCURRENT_VERSION_DAYS,
    StageConfig,
)
from shared.analytics.exports import EXPORT_PREFIX
from shared.hooks.domain import EVENT_RETENTION_SECONDS
from shared.hooks.payloads import PAYLOAD_PREFIX


def _private_bucket(
    scope: Construct, construct_id: str, config: StageConfig, **props: Any
) -> s3.Bucket:
    """What both buckets share: no public access, TLS only, encrypted, stage lifetime."""
    return s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        # S3-managed keys: server access logs can only be delivered to an SSE-S3 bucket,
        # and presigned URLs on the artifacts bucket then need no KMS grants.
        encryption=s3.BucketEncryption.S3_MANAGED,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=config.removal_policy,
        # dev stacks empty their buckets on delete; prod keeps every object.
        auto_delete_objects=not config.retain_data,
        **props,
    )


class ArtifactsConstruct(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = _private_bucket(
            self,
            "AccessLogs",
            config,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(ACCESS_LOG_DAYS),
                    abort_incomplete_multipart_upload_after=Duration.days(INCOMPLETE_UPLOAD_DAYS),
                )
            ],
        )
        self.bucket = _private_bucket(
            self,
            "Bucket",
            config,
            versioned=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="artifacts/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-old-versions",
                    noncurrent_version_expiration=Duration.days(NONCURRENT_VERSION_DAYS),
                    expired_object_delete_marker=True,
                    abort_incomplete_multipart_upload_after=Duration.days(INCOMPLETE_UPLOAD_DAYS),
                ),
                # Inbound payloads too large for SQS: kept as long as their events, plus a day.
                s3.LifecycleRule(
                    id="expire-inbound-payloads",
                    prefix=PAYLOAD_PREFIX,
                    expiration=Duration.days(EVENT_RETENTION_SECONDS // 86_400 + 1),
                    noncurrent_version_expiration=Duration.days(1),
                ),
                # Large exports are fetched through a link that lives 15 minutes: a day is ample.
                s3.LifecycleRule(
                    id="expire-exports",
                    prefix=EXPORT_PREFIX,
                    expiration=Duration.days(1),
                    noncurrent_version_expiration=Duration.days(1),
                ),
            ],
            # A web page uploads a file straight to the bucket (the presigned POST of POST
            # /files/presign) and reads presigned links: the signed policy or URL is the
            # credential, so any origin may send them; nothing else is allowed cross-origin.
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                    allowed_origins=["*"],
                    allowed_headers=["*"],
                    exposed_headers=["ETag"],
                    max_age=3000,
                )
            ],
        )

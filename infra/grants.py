"""Registry access levels to IAM: exactly what a route group's entry names, nothing wider.

`describe` and `list` are hand-written single statements (readiness needs no data access);
`read` and `read_write` are CDK's own grants, which name every action explicitly.
"""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from functions.registry import BucketAccess, TableAccess


def grant_table(table: dynamodb.ITableV2, grantee: iam.IGrantable, access: TableAccess) -> None:
    """Grant exactly what a registry entry asks for on one table."""
    match access:
        case "describe":
            # Readiness only: a control-plane call on the table itself, no item access.
            iam.Grant.add_to_principal(
                grantee=grantee, actions=["dynamodb:DescribeTable"], resource_arns=[table.table_arn]
            )
        case "read":
            table.grant_read_data(grantee)
        case "read_write":
            table.grant_read_write_data(grantee)
        case _:
            raise ValueError(f"unknown table access {access!r}")


def grant_bucket(bucket: s3.IBucket, grantee: iam.IGrantable, access: BucketAccess) -> None:
    """Grant exactly what a registry entry asks for on the artifacts bucket."""
    match access:
        case "list":
            # Readiness only: list the bucket, read no object.
            iam.Grant.add_to_principal(
                grantee=grantee, actions=["s3:ListBucket"], resource_arns=[bucket.bucket_arn]
            )
        case "read":
            bucket.grant_read(grantee)
        case "read_write":
            bucket.grant_read_write(grantee)
        case _:
            raise ValueError(f"unknown bucket access {access!r}")

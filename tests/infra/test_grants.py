"""Each access level of the registry maps to the grant it names, and to nothing wider.

These build a bare stack and resolve its policy; they need no synth.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from functions.registry import BucketAccess, TableAccess
from infra.grants import grant_bucket, grant_table
from tests.infra.assembly import as_list

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]


def _granted(kind: str, access: str) -> set[str]:
    """The actions a fresh role ends up with after one `grant_<kind>` call."""
    stack = Stack(App(), "Grants")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    if kind == "table":
        key = dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
        grant_table(dynamodb.TableV2(stack, "Table", partition_key=key), role, access)  # type: ignore[arg-type]
    else:
        grant_bucket(s3.Bucket(stack, "Bucket"), role, access)  # type: ignore[arg-type]
    policy = role.node.find_child("DefaultPolicy")
    assert isinstance(policy, iam.Policy)
    document: dict[str, Any] = stack.resolve(policy.document.to_json())
    return {action for st in document["Statement"] for action in as_list(st["Action"])}


@pytest.mark.parametrize(
    ("access", "must", "must_not"),
    [
        ("describe", {"dynamodb:DescribeTable"}, {"dynamodb:GetItem", "dynamodb:Query"}),
        ("read", {"dynamodb:GetItem", "dynamodb:Query"}, {"dynamodb:PutItem"}),
        ("read_write", {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"}, set()),
    ],
)
def test_table_access(access: TableAccess, must: set[str], must_not: set[str]) -> None:
    actions = _granted("table", access)
    assert must <= actions
    assert not must_not & actions
    assert "dynamodb:*" not in actions
    if access == "describe":
        assert actions == {"dynamodb:DescribeTable"}


@pytest.mark.parametrize(
    ("access", "must", "must_not"),
    [
        ("list", {"s3:ListBucket"}, {"s3:GetObject*", "s3:PutObject"}),
        ("read", {"s3:GetObject*", "s3:List*"}, {"s3:PutObject", "s3:DeleteObject*"}),
        ("read_write", {"s3:GetObject*", "s3:PutObject", "s3:DeleteObject*"}, set()),
    ],
)
def test_bucket_access(access: BucketAccess, must: set[str], must_not: set[str]) -> None:
    actions = _granted("bucket", access)
    assert must <= actions
    assert not must_not & actions
    assert "s3:*" not in actions
    if access == "list":
        assert actions == {"s3:ListBucket"}


def test_unknown_access_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown table access"):
        _granted("table", "admin")
    with pytest.raises(ValueError, match="unknown bucket access"):
        _granted("bucket", "admin")

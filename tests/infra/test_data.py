"""Tables: built from shared.db.tables.TABLES, recoverable, and kept in prod.

cdk-nag does not check TableV2 (AWS::DynamoDB::GlobalTable), so these assertions do.
"""

from __future__ import annotations

import pytest

from shared.db.tables import TABLES, TableSpec
from tests.infra.assembly import Resource, Synthesized

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]


def table_of(synth: Synthesized, spec: TableSpec) -> Resource:
    return synth.resource(synth.stack.data.tables[spec.key])


def key_schema(partition_key: str, sort_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition_key, "KeyType": "HASH"}]
    if sort_key:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
    return schema


def test_one_table_per_spec_and_nothing_else(synthesized: Synthesized) -> None:
    tables = synthesized.resources("AWS::DynamoDB::GlobalTable").values()
    names = sorted(table["Properties"]["TableName"] for table in tables)
    assert names == sorted(spec.physical_name(f"factory-{synthesized.stage}") for spec in TABLES)


@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.key)
def test_table_matches_its_spec(synthesized: Synthesized, spec: TableSpec) -> None:
    props = table_of(synthesized, spec)["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == key_schema(spec.partition_key, spec.sort_key)
    assert sorted(props["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        ({"AttributeName": name, "AttributeType": "S"} for name in spec.attributes),
        key=lambda a: a["AttributeName"],
    )
    indexes = {index["IndexName"]: index for index in props.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {index.name for index in spec.indexes}
    for index in spec.indexes:
        assert indexes[index.name]["KeySchema"] == key_schema(index.partition_key, index.sort_key)
        assert indexes[index.name]["Projection"] == {"ProjectionType": "ALL"}
    assert props["TimeToLiveSpecification"] == {
        "AttributeName": spec.ttl_attribute,
        "Enabled": True,
    }
    assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}
    (replica,) = props["Replicas"]
    assert replica["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.key)
def test_prod_tables_are_protected_and_retained(prod: Synthesized, spec: TableSpec) -> None:
    table = table_of(prod, spec)
    (replica,) = table["Properties"]["Replicas"]
    assert replica["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"


@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.key)
def test_dev_tables_can_be_torn_down(dev: Synthesized, spec: TableSpec) -> None:
    table = table_of(dev, spec)
    (replica,) = table["Properties"]["Replicas"]
    assert not replica.get("DeletionProtectionEnabled", False)
    assert table["DeletionPolicy"] == "Delete"

"""DynamoDB: one TableV2 per entry of shared.db.tables.TABLES, the single table definition.

The local runtime creates its emulated tables from the same list, so keys, indexes and the
TTL attribute cannot drift between laptop and cloud.
"""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.names import StageConfig
from shared.db.tables import TABLES, TableSpec


def _string_key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class DataConstruct(Construct):
    """Every table, keyed by its spec key (`identity`, `jobs`, ...)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[str, dynamodb.TableV2] = {
            spec.key: self._table(spec, config) for spec in TABLES
        }

    def _table(self, spec: TableSpec, config: StageConfig) -> dynamodb.TableV2:
        return dynamodb.TableV2(
            self,
            spec.key,
            table_name=spec.physical_name(config.prefix),
            partition_key=_string_key(spec.partition_key),
            sort_key=_string_key(spec.sort_key) if spec.sort_key else None,
            global_secondary_indexes=[
                dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name=index.name,
                    partition_key=_string_key(index.partition_key),
                    sort_key=_string_key(index.sort_key),
                )
                for index in spec.indexes
            ],
            time_to_live_attribute=spec.ttl_attribute,
            # On demand: traffic is spiky (generation jobs) and idle most of the day.
            billing=dynamodb.Billing.on_demand(),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # The AWS-managed key (aws/dynamodb): encrypted with no key to run or grant.
            encryption=dynamodb.TableEncryptionV2.aws_managed_key(),
            deletion_protection=config.retain_data,
            removal_policy=config.removal_policy,
        )

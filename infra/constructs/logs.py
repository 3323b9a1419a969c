"""Every log group of the stack: named, with the stage's retention and removal policy."""

from __future__ import annotations

from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.names import StageConfig


def stage_log_group(
    scope: Construct, construct_id: str, name: str, config: StageConfig
) -> logs.LogGroup:
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=name,
        retention=config.log_retention,
        removal_policy=config.removal_policy,
    )

"""The one stack of a stage: data, artifacts, events, api and monitoring, wired together."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from infra.constructs.api import ApiConstruct
from infra.constructs.artifacts import ArtifactsConstruct
from infra.constructs.data import DataConstruct
from infra.constructs.events import EventsConstruct
from infra.constructs.monitoring import MonitoringConstruct
from infra.names import (
    API_ID,
    ARTIFACTS_ID,
    DATA_ID,
    EVENTS_ID,
    MONITORING_ID,
    SERVICE_NAME,
    StageConfig,
    stack_name,
)


class FactoryStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(
            scope,
            construct_id,
            stack_name=stack_name(config.stage),
            description=f"Software Factory ({config.stage}): API, functions, tables, bucket, bus",
            # Deleting a prod stack must be a deliberate, two-step act.
            termination_protection=config.retain_data,
        )
        self.config = config
        self.data = DataConstruct(self, DATA_ID, config=config)
        self.artifacts = ArtifactsConstruct(self, ARTIFACTS_ID, config=config)
        self.events = EventsConstruct(self, EVENTS_ID, config=config)
        # The seam for the generation pipeline (a later issue): a PipelineConstruct built
        # here from data, artifacts and events, whose state machine ARN the api then gets
        # as STATE_MACHINE_ARN, with a start-execution grant for the jobs group.
        self.api = ApiConstruct(
            self,
            API_ID,
            config=config,
            tables=self.data.tables,
            bucket=self.artifacts.bucket,
            bus=self.events.bus,
            dead_letter_queue=self.events.dead_letter_queue,
        )
        self.monitoring = MonitoringConstruct(
            self,
            MONITORING_ID,
            config=config,
            functions={name: built.function for name, built in self.api.functions.items()},
            dead_letter_queue=self.events.dead_letter_queue,
            http_api=self.api.http_api,
        )
        for key, value in (("project", SERVICE_NAME), ("stage", config.stage)):
            Tags.of(self).add(key, value)

        CfnOutput(self, "ApiUrl", value=self.api.http_api.api_endpoint)
        CfnOutput(self, "ArtifactsBucketName", value=self.artifacts.bucket.bucket_name)
        CfnOutput(self, "EventBusName", value=self.events.bus.event_bus_name)
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)

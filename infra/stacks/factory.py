"""The one stack of a stage: data, artifacts, events, queues, token secrets, functions,
pipeline and monitoring."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnOutput, Duration, Stack, Tags
from constructs import Construct

from functions.registry import (
    GENERATION_STATE_MACHINE,
    GROUPS,
    PIPELINE_WORKER,
    SIGNING_KEY_ROTATION_DAYS,
    SOCKETS,
    WORKERS,
    WORKFLOW_STEP,
    WORKFLOWS_STATE_MACHINE,
    RouteGroup,
    SocketFunction,
    WorkerFunction,
)
from infra.constructs.api import ApiConstruct
from infra.constructs.artifacts import ArtifactsConstruct
from infra.constructs.data import DataConstruct
from infra.constructs.events import EventsConstruct
from infra.constructs.functions import (
    FunctionResources,
    ServiceFunction,
    connect_execution_control,
    connect_invocations,
    dependency_layers,
    function_environment,
)
from infra.constructs.live import LIVE_ID, LiveConstruct
from infra.constructs.pipeline import PipelineConstruct
from infra.constructs.queues import QueuesConstruct, minimum_visibility_seconds
from infra.constructs.secrets import TokenSecretsConstruct
from infra.constructs.workers import WorkersConstruct
from infra.constructs.workflows import WorkflowsConstruct
from infra.names import (
    API_ID,
    ARTIFACTS_ID,
    DATA_ID,
    EVENTS_ID,
    MONITORING_ID,
    PIPELINE_ID,
    QUEUES_ID,
    SECRETS_ID,
    SERVICE_NAME,
    WORKERS_ID,
    WORKFLOWS_ID,
    StageConfig,
    stack_name,
)
from infra.specs import rotates_signing_key
from infra.stacks.monitoring import MonitoringStack
from shared.queues import BUS_DEAD_LETTER_KEY


class FactoryStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        groups: Sequence[RouteGroup] = GROUPS,
        workers: Sequence[WorkerFunction] = WORKERS,
        sockets: Sequence[SocketFunction] = SOCKETS,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            stack_name=stack_name(config.stage),
            description=f"Software Factory ({config.stage}): API, functions, pipeline, "
            "tables, bucket, bus, queues, token secrets",
            # Deleting a prod stack must be a deliberate, two-step act.
            termination_protection=config.retain_data,
        )
        names = [g.name for g in groups] + [w.name for w in workers] + [s.name for s in sockets]
        if len(set(names)) != len(names):
            # Function, log group and alarm names are `<prefix>-<name>`: they would collide.
            raise ValueError(f"function names must be unique: {names}")
        self.config = config
        self.data = DataConstruct(self, DATA_ID, config=config)
        self.artifacts = ArtifactsConstruct(self, ARTIFACTS_ID, config=config)
        self.events = EventsConstruct(
            self,
            EVENTS_ID,
            config=config,
            dead_letter_visibility=Duration.seconds(
                minimum_visibility_seconds(BUS_DEAD_LETTER_KEY, workers)
            ),
        )
        self.queues = QueuesConstruct(
            self,
            QUEUES_ID,
            config=config,
            bus=self.events.bus,
            bus_dead_letter_queue=self.events.dead_letter_queue,
            workers=workers,
        )
        self.secrets = TokenSecretsConstruct(self, SECRETS_ID, config=config)
        # One layer version per dependency layer some function gets (infra.specs.layers_for).
        self.layers = dependency_layers(self, [*groups, *workers, *sockets])
        resources = FunctionResources(
            config=config,
            layers=self.layers,
            environment=function_environment(config, self.artifacts.bucket, self.events.bus),
            dead_letter_queue=self.events.dead_letter_queue,
            tables=self.data.tables,
            bucket=self.artifacts.bucket,
            bus=self.events.bus,
            signing_key_secret=self.secrets.signing_key,
            admin_api_key_secret=self.secrets.admin_api_key,
        )
        self.api = ApiConstruct(self, API_ID, resources=resources, groups=groups)
        self.workers = WorkersConstruct(self, WORKERS_ID, resources=resources, workers=workers)
        # The WebSocket API (live events) and its functions.
        self.live = LiveConstruct(self, LIVE_ID, config=config)
        self.live.add_functions(resources, sockets)
        for worker in workers:
            if rotates_signing_key(worker):
                self.secrets.rotate_signing_key_with(
                    self.workers.functions[worker.name].function, SIGNING_KEY_ROTATION_DAYS
                )
        # Built after the worker it invokes; the functions that control its executions get
        # its ARN (STATE_MACHINE_ARN) and their grants once it exists.
        self.pipeline = PipelineConstruct(
            self,
            PIPELINE_ID,
            config=config,
            worker=self.workers.functions[PIPELINE_WORKER.name],
        )
        connect_execution_control(self.functions.values(), self.pipeline.state_machine)
        self.workflows = WorkflowsConstruct(
            self,
            WORKFLOWS_ID,
            config=config,
            worker=self.workers.functions[WORKFLOW_STEP.name],
        )
        self.workflows.connect(self.functions.values())
        self.queues.connect(self.functions.values())
        connect_invocations(self.functions)
        self.live.connect(self.functions.values())
        self.monitoring_stack = MonitoringStack(
            self,
            MONITORING_ID,
            config=config,
            functions={name: built.function for name, built in self.functions.items()},
            dead_letter_queue=self.events.dead_letter_queue,
            queue_dead_letter_queues=self.queues.dead_letter_queues,
            http_api=self.api.http_api,
            state_machines={
                GENERATION_STATE_MACHINE: self.pipeline.state_machine,
                WORKFLOWS_STATE_MACHINE: self.workflows.state_machine,
            },
        )
        self.monitoring = self.monitoring_stack.monitoring
        for key, value in (("project", SERVICE_NAME), ("stage", config.stage)):
            Tags.of(self).add(key, value)

        CfnOutput(self, "ApiUrl", value=self.api.http_api.api_endpoint)
        CfnOutput(self, "LiveUrl", value=self.live.url)
        CfnOutput(self, "ArtifactsBucketName", value=self.artifacts.bucket.bucket_name)
        CfnOutput(self, "EventBusName", value=self.events.bus.event_bus_name)
        CfnOutput(self, "StateMachineArn", value=self.pipeline.state_machine.state_machine_arn)
        CfnOutput(self, "WorkflowsStateMachineArn", value=self.workflows.arn)
        CfnOutput(self, "ScheduleGroupName", value=self.queues.schedule_group.ref)
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)

    @property
    def functions(self) -> dict[str, ServiceFunction]:
        """Every function of the stage (route groups, workers, the WebSocket API's), by
        registry name."""
        return {**self.api.functions, **self.workers.functions, **self.live.functions}

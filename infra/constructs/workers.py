"""Worker functions: invoked by AWS (Step Functions, EventBridge Scheduler), not by HTTP.

One `ServiceFunction` per entry of functions.registry.WORKERS, built exactly like a route
group's. A worker with `schedule_minutes` also gets an EventBridge Scheduler schedule whose
role may invoke that one function (and dead-letter into the events DLQ), nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.registry import WORKERS, WorkerFunction
from infra.constructs.functions import FunctionResources, ServiceFunction
from infra.names import SCHEDULE_RETRY_ATTEMPTS, StageConfig, schedule_name

# EventBridge Scheduler's bounds for a target's maximum event age.
_MIN_EVENT_AGE = Duration.minutes(1)
_MAX_EVENT_AGE = Duration.hours(24)


class WorkersConstruct(Construct):
    """Every worker function, keyed by its registry name, and the schedules some have."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: FunctionResources,
        workers: Sequence[WorkerFunction] = WORKERS,
    ) -> None:
        super().__init__(scope, construct_id)
        self.functions: dict[str, ServiceFunction] = {}
        self.schedules: dict[str, WorkerSchedule] = {}
        for worker in workers:
            built = ServiceFunction(self, worker.name, spec=worker, resources=resources)
            self.functions[worker.name] = built
            if worker.schedule_minutes is not None:
                self.schedules[worker.name] = WorkerSchedule(
                    built,
                    "Schedule",
                    worker=worker,
                    target=built,
                    config=resources.config,
                    dead_letter_queue=resources.dead_letter_queue,
                )


class WorkerSchedule(Construct):
    """`rate(N minutes)` invoking one worker, with its own narrowly scoped role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        worker: WorkerFunction,
        target: ServiceFunction,
        config: StageConfig,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        if worker.schedule_minutes is None or worker.schedule_minutes < 1:
            raise ValueError(f"{worker.name}: schedule_minutes must be at least 1")
        period = Duration.minutes(worker.schedule_minutes)
        stack = Stack.of(self)
        # The trust CDK's own scheduler targets use: only EventBridge Scheduler, only for
        # schedules of this account's default group, may assume it (no confused deputy).
        group_arn = stack.format_arn(
            service="scheduler", resource="schedule-group", resource_name="default"
        )
        function_arn = target.function.function_arn
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account, "aws:SourceArn": group_arn}
                },
            ),
            description=f"{schedule_name(config.prefix, worker.name)}: invoke that one function",
            # Inline, hand-written: the function's own ARN only (CDK's grant_invoke would add
            # `<arn>:*`, every version and alias, which the schedule never calls), and
            # sqs:SendMessage because Scheduler dead-letters with this role.
            inline_policies={
                "InvokeWorker": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            actions=["lambda:InvokeFunction"], resources=[function_arn]
                        ),
                        iam.PolicyStatement(
                            actions=["sqs:SendMessage"], resources=[dead_letter_queue.queue_arn]
                        ),
                    ]
                )
            },
        )
        # A run that cannot be delivered is not worth delivering after the next one is due.
        max_age = min(
            max(period.to_seconds(), _MIN_EVENT_AGE.to_seconds()), _MAX_EVENT_AGE.to_seconds()
        )
        self.schedule = scheduler.CfnSchedule(
            self,
            "Resource",
            name=schedule_name(config.prefix, worker.name),
            description=f"{worker.name} every {worker.schedule_minutes} minute(s): "
            f"{worker.description}",
            schedule_expression=scheduler.ScheduleExpression.rate(period).expression_string,
            # Exactly on the period: these are housekeeping runs, not load to spread out.
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            state="ENABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=function_arn,
                role_arn=self.role.role_arn,
                dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(
                    arn=dead_letter_queue.queue_arn
                ),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=SCHEDULE_RETRY_ATTEMPTS,
                    maximum_event_age_in_seconds=int(max_age),
                ),
            ),
        )

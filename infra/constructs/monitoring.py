"""Alarms and where they go: one encrypted SNS topic that operators subscribe to.

Each function (route group or worker) alarms on Errors and Throttles, every dead-letter
queue (the bus's and each work queue's) on any message in it, the API on 5xx answers, and
each state machine on failed, timed-out and throttled executions. Every alarm notifies the
topic.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.names import ALARM_PERIOD, StageConfig, alarm_topic_name


class MonitoringConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        functions: Mapping[str, lambda_.IFunction],
        dead_letter_queue: sqs.IQueue,
        queue_dead_letter_queues: Mapping[str, sqs.IQueue],
        http_api: apigwv2.IHttpApi,
        state_machines: Mapping[str, sfn.IStateMachine],
    ) -> None:
        super().__init__(scope, construct_id)
        self._prefix = config.prefix
        # A customer-managed key, not aws/sns: CloudWatch can publish to an encrypted topic
        # only if the key policy lets it, and the AWS-managed key's policy cannot be changed.
        self.key = kms.Key(
            self,
            "AlarmTopicKey",
            description=f"{config.prefix}: encrypts the alarm topic",
            enable_key_rotation=True,
            removal_policy=config.removal_policy,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" means this key
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=alarm_topic_name(config.prefix),
            master_key=self.key,
            enforce_ssl=True,
        )
        self.alarms: list[cloudwatch.Alarm] = []
        for name, function in functions.items():
            self._alarm(f"{name}-errors", function.metric_errors(period=ALARM_PERIOD))
            self._alarm(f"{name}-throttles", function.metric_throttles(period=ALARM_PERIOD))
        self._alarm(
            "dead-letter-queue",
            dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=ALARM_PERIOD, statistic=cloudwatch.Stats.MAXIMUM
            ),
            description="A message reached the dead-letter queue: an event or invocation "
            "failed every retry. Inspect it via /api/v1/dead-letter.",
        )
        # By dead-letter key (`<queue key>-dlq`): one alarm each, named after the queue.
        for key, queue in queue_dead_letter_queues.items():
            self._alarm(
                key,
                queue.metric_approximate_number_of_messages_visible(
                    period=ALARM_PERIOD, statistic=cloudwatch.Stats.MAXIMUM
                ),
                description=f"A message reached {key}: its consumer failed it on every "
                "receive. The dead-letter archiver makes it a /api/v1/dead-letter item.",
            )
        self._alarm("api-5xx", http_api.metric_server_error(period=ALARM_PERIOD))
        for name, state_machine in state_machines.items():
            # A failed execution is a job that ended in Failed (a phase gave up, a gate was
            # rejected or timed out): each one is worth a look while jobs are few.
            self._alarm(
                f"{name}-executions-failed", state_machine.metric_failed(period=ALARM_PERIOD)
            )
            self._alarm(
                f"{name}-executions-timed-out",
                state_machine.metric_timed_out(period=ALARM_PERIOD),
            )
            self._alarm(
                f"{name}-executions-throttled",
                state_machine.metric_throttled(period=ALARM_PERIOD),
            )

    def _alarm(
        self, name: str, metric: cloudwatch.IMetric, description: str | None = None
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            name,
            alarm_name=f"{self._prefix}-{name}",
            alarm_description=description or f"{self._prefix}: {name} at least once in 5 minutes",
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            # No data means no invocations, no messages: nothing is wrong.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        self.alarms.append(alarm)
        return alarm

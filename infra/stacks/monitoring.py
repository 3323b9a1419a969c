"""The alarms and their topic, in a nested stack of their own.

CloudFormation refuses a stack of more than 500 resources, and every function brings two
alarms and every work queue one: the alarms (about a sixth of the stage) grow with the
product, and nothing else refers to them. CDK passes what they watch (function names,
queue names, the API's id, state machine ARNs) in as the nested stack's parameters and
the topic's ARN back out; `cdk deploy` deploys both as one.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import NestedStack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.constructs.monitoring import MonitoringConstruct
from infra.names import StageConfig

ALARMS_ID = "Alarms"


class MonitoringStack(NestedStack):
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
        super().__init__(
            scope,
            construct_id,
            description=f"{config.prefix}: alarms on functions, queues, the API and state "
            "machines, and the topic they notify",
        )
        self.monitoring = MonitoringConstruct(
            self,
            ALARMS_ID,
            config=config,
            functions=functions,
            dead_letter_queue=dead_letter_queue,
            queue_dead_letter_queues=queue_dead_letter_queues,
            http_api=http_api,
            state_machines=state_machines,
        )

"""The workflows state machine: exactly the document shared.workflows.asl builds, one
interpreter that runs every workflow (docs/architecture.md, "Workflows").

As the generation machine (infra/constructs/pipeline.py), the document is deployed with
the step worker's ARN left as `${WorkerArn}` and filled in by CloudFormation. Unlike it,
the step worker answers task tokens of this machine itself (it releases steps): the
grants name the machine by the ARN its fixed name makes, not by a reference to the
construct, or the worker's policy and the machine's definition would name each other (a
cycle CloudFormation refuses).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from functions.registry import WORKFLOWS_STATE_MACHINE
from infra.constructs.functions import ServiceFunction
from infra.constructs.logs import stage_log_group
from infra.grants import EXECUTION_ACTIONS, START_ACTIONS, TASK_RESPONSE_ACTIONS
from infra.names import StageConfig, state_machine_log_group_name, state_machine_name
from infra.specs import answers_workflow_tokens, runs_workflows
from shared.workflows.asl import build_definition

WORKER_ARN_SUBSTITUTION = "WorkerArn"
# What shared.settings reads (`workflows_machine_arn`) to start and stop runs.
WORKFLOWS_ARN_VARIABLE = "WORKFLOWS_MACHINE_ARN"


def definition_document() -> str:
    """The state machine document as deployed, before CloudFormation's substitution."""
    return json.dumps(build_definition(f"${{{WORKER_ARN_SUBSTITUTION}}}"))


class WorkflowsConstruct(Construct):
    """STANDARD state machine `<prefix>-workflows`, invoking only the workflow step worker."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, worker: ServiceFunction
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = state_machine_name(config.prefix, WORKFLOWS_STATE_MACHINE)
        self.log_group = stage_log_group(
            self,
            "Logs",
            state_machine_log_group_name(config.prefix, WORKFLOWS_STATE_MACHINE),
            config,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"{self.name}: invoke the workflow step worker, deliver logs and traces",
        )
        iam.Grant.add_to_principal(
            grantee=self.role,
            actions=["lambda:InvokeFunction"],
            resource_arns=[worker.function.function_arn],
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=self.name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(definition_document()),
            definition_substitutions={WORKER_ARN_SUBSTITUTION: worker.function.function_arn},
            role=self.role,
            # Every event, no execution data: a run's steps may carry a team's URLs.
            logs=sfn.LogOptions(
                destination=self.log_group,
                level=sfn.LogLevel.ALL,
                include_execution_data=False,
            ),
            tracing_enabled=True,
        )

    def _arn(self, resource: str, name: str) -> str:
        return Stack.of(self).format_arn(
            service="states",
            resource=resource,
            resource_name=name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    @property
    def arn(self) -> str:
        """The machine's ARN, from its fixed name (no reference: see the module's note)."""
        return self._arn("stateMachine", self.name)

    def connect(self, functions: Iterable[ServiceFunction]) -> None:
        """Start, stop and describe runs for entries that run workflows (with the ARN in
        their environment); answer the machine's task tokens for those that answer them."""
        for built in functions:
            if runs_workflows(built.spec):
                built.function.add_environment(WORKFLOWS_ARN_VARIABLE, self.arn)
                iam.Grant.add_to_principal(
                    grantee=built.function, actions=list(START_ACTIONS), resource_arns=[self.arn]
                )
                iam.Grant.add_to_principal(
                    grantee=built.function,
                    actions=list(EXECUTION_ACTIONS),
                    resource_arns=[self._arn("execution", f"{self.name}:*")],
                )
            if answers_workflow_tokens(built.spec):
                iam.Grant.add_to_principal(
                    grantee=built.function,
                    actions=list(TASK_RESPONSE_ACTIONS),
                    resource_arns=[self.arn],
                )

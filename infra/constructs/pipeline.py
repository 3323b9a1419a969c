"""The generation state machine: exactly the document shared.pipeline.asl builds.

The local runtime runs `build_definition(<worker ARN>)` on its interpreter; here the same
document is deployed with the worker's ARN left as `${WorkerArn}` and filled in by
CloudFormation (DefinitionSubstitutions), so not one state is rewritten for AWS.
"""

from __future__ import annotations

import json

from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.constructs.functions import ServiceFunction
from infra.constructs.logs import stage_log_group
from infra.names import StageConfig, state_machine_log_group_name, state_machine_name
from shared.pipeline.asl import build_definition

# The placeholder every Task's FunctionName carries in the deployed document.
WORKER_ARN_SUBSTITUTION = "WorkerArn"


def definition_document() -> str:
    """The state machine document as deployed, before CloudFormation's substitution."""
    return json.dumps(build_definition(f"${{{WORKER_ARN_SUBSTITUTION}}}"))


class PipelineConstruct(Construct):
    """STANDARD state machine `<prefix>-generation`, invoking only the pipeline worker."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        worker: ServiceFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        if worker.spec.controls_executions:
            # Its environment and policy would name the state machine, whose definition
            # names the worker: a dependency cycle CloudFormation refuses.
            raise ValueError(
                f"{worker.spec.name}: the worker the state machine invokes cannot control "
                "its executions; give that to another function (the reconciler, the API)"
            )
        name = state_machine_name(config.prefix)
        self.worker = worker
        self.log_group = stage_log_group(
            self, "Logs", state_machine_log_group_name(config.prefix), config
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"{name}: invoke the pipeline worker, deliver logs and traces",
        )
        # The unqualified ARN only: every Task names exactly that, so no version or alias
        # (`<arn>:*`) needs to be invocable.
        iam.Grant.add_to_principal(
            grantee=self.role,
            actions=["lambda:InvokeFunction"],
            resource_arns=[worker.function.function_arn],
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(definition_document()),
            definition_substitutions={WORKER_ARN_SUBSTITUTION: worker.function.function_arn},
            role=self.role,
            # Every event (SF1), but no execution data: job payloads are small yet may name
            # a customer's repositories, which logs keep longer than the jobs table does.
            logs=sfn.LogOptions(
                destination=self.log_group,
                level=sfn.LogLevel.ALL,
                include_execution_data=False,
            ),
            tracing_enabled=True,
        )

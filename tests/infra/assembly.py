"""Synthesize the app once per stage and read the result: template, assets, cdk-nag report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from aws_cdk import App, CfnElement, NestedStack, Stack
from aws_cdk.assertions import Template
from constructs import IConstruct

from functions.registry import (
    GROUPS,
    HEALTH,
    PIPELINE_WORKER,
    SOCKETS,
    WORKERS,
    RouteGroup,
    WorkerFunction,
)
from infra.app import build_app, cdk_json_context
from infra.names import stage_config
from infra.specs import FunctionSpec
from infra.stacks.factory import FactoryStack

Resource = dict[str, Any]
# Every registry entry that becomes a function: route groups, workers, the WebSocket API's.
FUNCTION_SPECS: tuple[FunctionSpec, ...] = (*GROUPS, *WORKERS, *SOCKETS)


@dataclass
class Synthesized:
    stage: str
    stack: FactoryStack
    outdir: Path
    template_json: dict[str, Any] = field(repr=False)

    @cached_property
    def template(self) -> Template:
        return Template.from_json(self.template_json)

    def resources(self, resource_type: str) -> dict[str, Resource]:
        """The stage's resources of a type, the nested API stack's included (as if they
        were in the stage's template: see `nested_json`)."""
        return {
            logical_id: resource
            for logical_id, resource in self.stage_resources.items()
            if resource["Type"] == resource_type
        }

    @cached_property
    def stage_resources(self) -> dict[str, Resource]:
        """The stage's template's resources and the API stack's (infra/constructs/api.py)."""
        return {**self.template_json["Resources"], **self.api_json["Resources"]}

    def logical_id(self, construct: IConstruct) -> str:
        element = construct if isinstance(construct, CfnElement) else construct.node.default_child
        assert isinstance(element, CfnElement), f"{construct.node.path} has no CFN resource"
        # Its own stack's id: the monitoring and API stacks are nested.
        return Stack.of(element).resolve(element.logical_id)  # type: ignore[no-any-return]

    def nested_json(self, nested: NestedStack) -> dict[str, Any]:
        """A nested stack's template, each of its parameters replaced by what the stage's
        template passes in (a function's `Ref`, a queue's `Fn::GetAtt`), so its resources
        read as if they were in the stage's template."""
        template = json.loads((self.outdir / nested.template_file).read_text())
        stack_resource = self.template_json["Resources"][
            self.logical_id(nested.nested_stack_resource)  # type: ignore[arg-type]
        ]
        passed = stack_resource["Properties"].get("Parameters", {})

        def resolved(value: Any) -> Any:
            if isinstance(value, dict):
                if set(value) == {"Ref"} and value["Ref"] in passed:
                    return resolved(passed[value["Ref"]])
                if set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][0] in self._outputs:
                    # Another nested stack's output (the API's id for its alarm): what it is.
                    stack_id, attribute = value["Fn::GetAtt"]
                    return self._outputs[stack_id][attribute.removeprefix("Outputs.")]["Value"]
                return {key: resolved(item) for key, item in value.items()}
            if isinstance(value, list):
                return [resolved(item) for item in value]
            return value

        return resolved(template)  # type: ignore[no-any-return]

    @cached_property
    def _outputs(self) -> dict[str, dict[str, Any]]:
        """The API stack's outputs as they are in its template, by its logical id in the
        stage (the monitoring stack takes the API's id from there)."""
        nested = self.stack.api.api_stack
        template = json.loads((self.outdir / nested.template_file).read_text())
        stack_id = self.logical_id(nested.nested_stack_resource)  # type: ignore[arg-type]
        return {stack_id: template.get("Outputs", {})}

    @cached_property
    def monitoring_json(self) -> dict[str, Any]:
        return self.nested_json(self.stack.monitoring_stack)

    @cached_property
    def api_json(self) -> dict[str, Any]:
        return self.nested_json(self.stack.api.api_stack)

    def monitoring_resources(self, resource_type: str) -> dict[str, Resource]:
        return {
            logical_id: resource
            for logical_id, resource in self.monitoring_json["Resources"].items()
            if resource["Type"] == resource_type
        }

    def resource(self, construct: IConstruct) -> Resource:
        resource: Resource = self.stage_resources[self.logical_id(construct)]
        return resource

    def asset_dir(self, function_resource: Resource) -> Path:
        """The staged code directory behind a Lambda function's S3 key."""
        key: str = function_resource["Properties"]["Code"]["S3Key"]
        return self.outdir / f"asset.{key.removesuffix('.zip')}"

    @cached_property
    def validation_report(self) -> dict[str, Any]:
        report: dict[str, Any] = json.loads((self.outdir / "validation-report.json").read_text())
        return report

    def python_functions(self) -> dict[str, Resource]:
        """Our functions (CDK's own custom-resource handlers run Node.js)."""
        return {
            logical_id: resource
            for logical_id, resource in self.resources("AWS::Lambda::Function").items()
            if resource["Properties"].get("Runtime", "").startswith("python")
        }

    def role_statements(self, role: IConstruct) -> list[dict[str, Any]]:
        """Every statement of every policy attached to the role (inline or AWS::IAM::Policy)."""
        role_id = self.logical_id(role)
        props = self.template_json["Resources"][role_id]["Properties"]
        statements = [
            statement
            for policy in props.get("Policies", [])
            for statement in policy["PolicyDocument"]["Statement"]
        ]
        for policy in self.resources("AWS::IAM::Policy").values():
            if {"Ref": role_id} in policy["Properties"]["Roles"]:
                statements += policy["Properties"]["PolicyDocument"]["Statement"]
        return statements

    def granted(self, role: IConstruct) -> dict[str, list[Any]]:
        """Action -> every resource the role's Allow statements grant it on."""
        by_action: dict[str, list[Any]] = {}
        for statement in self.role_statements(role):
            assert statement["Effect"] == "Allow", statement
            for action in as_list(statement["Action"]):
                by_action.setdefault(action, []).extend(as_list(statement["Resource"]))
        return by_action


def synthesize(stage: str, outdir: Path) -> Synthesized:
    """What `cdk synth -c stage=<stage>` does: cdk.json's context, cdk-nag plugins and all."""
    app = App(outdir=str(outdir), context={**cdk_json_context(), "stage": stage})
    app, stack = build_app(app)
    assembly = app.synth()  # raises if cdk-nag reports an unacknowledged finding
    template = assembly.get_stack_by_name(stack.stack_name).template
    return Synthesized(stage=stage, stack=stack, outdir=outdir, template_json=template)


def synthesize_stack(
    outdir: Path, *, groups: Sequence[RouteGroup], workers: Sequence[WorkerFunction]
) -> Synthesized:
    """The dev stack built from other registry lists, without cdk-nag: for behaviour that
    the registry's own entries do not exercise yet (a flag no entry sets)."""
    app = App(outdir=str(outdir), context=cdk_json_context())
    config = stage_config("dev")
    stack = FactoryStack(app, config.prefix, config=config, groups=groups, workers=workers)
    template = app.synth().get_stack_by_name(stack.stack_name).template
    return Synthesized(stage="dev", stack=stack, outdir=outdir, template_json=template)


def ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def arn_of(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# For `synthesize_stack`: registry entries that exercise what real entries may not (yet).
# Health, but also publishing events and controlling executions.
SYNTHETIC_GROUP = replace(HEALTH, publishes_events=True, controls_executions=True)
# A scheduled worker with a 90-minute period, living in the pipeline worker's package.
SYNTHETIC_WORKER = WorkerFunction(
    name="sweeper",
    description="synthetic scheduled worker",
    handler=PIPELINE_WORKER.handler,
    schedule_minutes=90,
)

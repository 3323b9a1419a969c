"""Synthesize the app once per stage and read the result: template, assets, cdk-nag report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from aws_cdk import App, CfnElement
from aws_cdk.assertions import Template
from constructs import IConstruct

from infra.app import build_app, cdk_json_context
from infra.stacks.factory import FactoryStack

Resource = dict[str, Any]


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
        return {
            logical_id: resource
            for logical_id, resource in self.template_json["Resources"].items()
            if resource["Type"] == resource_type
        }

    def logical_id(self, construct: IConstruct) -> str:
        element = construct if isinstance(construct, CfnElement) else construct.node.default_child
        assert isinstance(element, CfnElement), f"{construct.node.path} has no CFN resource"
        return self.stack.resolve(element.logical_id)  # type: ignore[no-any-return]

    def resource(self, construct: IConstruct) -> Resource:
        resource: Resource = self.template_json["Resources"][self.logical_id(construct)]
        return resource

    def asset_dir(self, function_resource: Resource) -> Path:
        """The staged code directory behind a Lambda function's S3 key."""
        key: str = function_resource["Properties"]["Code"]["S3Key"]
        return self.outdir / f"asset.{key.removesuffix('.zip')}"

    @cached_property
    def validation_report(self) -> dict[str, Any]:
        report: dict[str, Any] = json.loads((self.outdir / "validation-report.json").read_text())
        return report


def synthesize(stage: str, outdir: Path) -> Synthesized:
    """What `cdk synth -c stage=<stage>` does: cdk.json's context, cdk-nag plugins and all."""
    app = App(outdir=str(outdir), context={**cdk_json_context(), "stage": stage})
    app, stack = build_app(app)
    assembly = app.synth()  # raises if cdk-nag reports an unacknowledged finding
    template = assembly.get_stack_by_name(stack.stack_name).template
    return Synthesized(stage=stage, stack=stack, outdir=outdir, template_json=template)


def ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def arn_of(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]

"""Stages: dev and prod only, every name prefixed `factory-<stage>`."""

from __future__ import annotations

import pytest
from aws_cdk import App

from infra.app import build_app, cdk_json_context
from infra.names import stage_config
from tests.infra.assembly import Synthesized

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]


def test_stage_defaults_to_dev() -> None:
    assert stage_config(None).prefix == "factory-dev"
    assert stage_config("prod").prefix == "factory-prod"


@pytest.mark.parametrize("stage", ["staging", "Prod", "", 1])
def test_unknown_stages_are_refused(stage: object) -> None:
    with pytest.raises(ValueError, match="-c stage=dev or -c stage=prod"):
        stage_config(stage)
    with pytest.raises(ValueError, match="unknown stage"):
        build_app(App(context={**cdk_json_context(), "stage": stage}))


def test_one_stack_per_stage(synthesized: Synthesized) -> None:
    assert synthesized.stack.stack_name == f"factory-{synthesized.stage}"
    assert synthesized.stack.termination_protection is (synthesized.stage == "prod")


def test_outputs_name_the_endpoints_operators_need(dev: Synthesized) -> None:
    outputs = dev.template_json["Outputs"]
    assert {
        "ApiUrl",
        "ArtifactsBucketName",
        "EventBusName",
        "StateMachineArn",
        "AlarmTopicArn",
    } <= set(outputs)

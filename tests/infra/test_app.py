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


def test_an_operators_security_headers_reach_every_function_and_a_bad_one_fails_synth() -> None:
    """Seed 004's SECURITY_HEADER_* as CDK context (`-c NAME=value`): passed to every
    function's environment as they are (blank turns a header off); a value no answer could
    carry stops the synth rather than every request."""
    from aws_cdk import Stack
    from aws_cdk import aws_events as events
    from aws_cdk import aws_s3 as s3

    from infra.constructs.functions import function_environment
    from infra.names import BadSecurityHeaderError, with_security_headers
    from shared.middleware import security_headers

    context = {
        "SECURITY_HEADER_X_FRAME_OPTIONS": "SAMEORIGIN",
        "SECURITY_HEADER_REFERRER_POLICY": "",
    }
    config = with_security_headers(stage_config("dev"), {**context, "unrelated": "x"})
    stack = Stack(App(), "Env")
    environment = function_environment(config, s3.Bucket(stack, "B"), events.EventBus(stack, "E"))
    assert {name: environment[name] for name in context} == context
    sent = dict(security_headers(environment))
    assert sent[b"x-frame-options"] == b"SAMEORIGIN"
    assert b"referrer-policy" not in sent
    assert "SECURITY_HEADER_X_CONTENT_TYPE_OPTIONS" not in environment  # its default stands
    with pytest.raises(BadSecurityHeaderError, match="SECURITY_HEADER_X_FRAME_OPTIONS"):
        with_security_headers(stage_config("dev"), {"SECURITY_HEADER_X_FRAME_OPTIONS": "a\nb"})

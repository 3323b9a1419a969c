"""Bedrock: the functions whose registry entry has `provider_keys` call providers, Bedrock
among them, so their roles may invoke models and list foundation models; no other role
holds any Bedrock action. Read off the session's one synth per stage (conftest.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.grants import BEDROCK_ACTIONS, bedrock_model_arns
from tests.infra.assembly import FUNCTION_SPECS, Synthesized

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("synth")]


def bedrock_grants(synth: Synthesized, name: str) -> dict[str, list[str]]:
    """The function's Bedrock actions -> the resources each is granted on (as JSON, sorted:
    CDK may order a statement's resources its own way)."""
    granted = synth.granted(synth.stack.functions[name].role)
    return {
        action: sorted_json(resources)
        for action, resources in granted.items()
        if action.startswith("bedrock:")
    }


def sorted_json(resources: list[Any]) -> list[str]:
    return sorted(json.dumps(resource, sort_keys=True) for resource in resources)


def test_functions_that_call_providers_get_exactly_the_bedrock_calls_the_client_makes(
    synthesized: Synthesized,
) -> None:
    stack = synthesized.stack
    model_arns = sorted_json(stack.resolve(bedrock_model_arns(stack)))
    callers = [spec for spec in FUNCTION_SPECS if spec.provider_keys is not None]
    assert callers, "the registry has functions that call providers"
    for spec in callers:
        assert bedrock_grants(synthesized, spec.name) == {
            "bedrock:InvokeModel": model_arns,
            "bedrock:ListFoundationModels": sorted_json(["*"]),
        }, spec.name
    assert set(BEDROCK_ACTIONS) == {"bedrock:InvokeModel", "bedrock:ListFoundationModels"}


def test_functions_without_provider_keys_have_no_bedrock_action(synthesized: Synthesized) -> None:
    others = [spec for spec in FUNCTION_SPECS if spec.provider_keys is None]
    assert others
    for spec in others:
        assert bedrock_grants(synthesized, spec.name) == {}, spec.name


def test_model_arns_are_foundation_models_anywhere_and_this_accounts_profiles(
    dev: Synthesized,
) -> None:
    """Foundation models in any region (cross-region inference profiles route to them),
    inference profiles in the stack's own account and region only."""
    models, profiles = (str(arn) for arn in dev.stack.resolve(bedrock_model_arns(dev.stack)))
    assert ":bedrock:*::foundation-model/*" in models
    assert "AWS::Region" in profiles
    assert "AWS::AccountId" in profiles
    assert ":inference-profile/*" in profiles

"""The built-in model catalog: prices per kind, and what an unknown model costs."""

from __future__ import annotations

import pytest

from shared.llm.providers import KINDS
from shared.llm.providers.catalog import CATALOG, find, models, price, price_of
from shared.llm.providers.openai import OpenAIProvider
from shared.llm.types import Pricing


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_lists_models_with_sane_prices(kind: str) -> None:
    entries = models(kind)
    assert entries
    for entry in entries:
        assert entry.label
        assert entry.pricing.input_per_million >= 0
        # Output never costs less than input, at any vendor we list
        assert entry.pricing.output_per_million >= entry.pricing.input_per_million


@pytest.mark.parametrize("kind", sorted(CATALOG))
def test_ids_and_aliases_are_unique_within_a_kind(kind: str) -> None:
    names = [name for entry in CATALOG[kind] for name in (entry.id, *entry.aliases)]
    assert len(names) == len(set(names))


def test_a_model_is_found_by_id_or_alias() -> None:
    by_alias = price_of("anthropic", "claude-sonnet-4-5")
    assert by_alias == price_of("anthropic", "claude-sonnet-4-5-20250929")
    assert by_alias == Pricing(3.0, 15.0)
    # OpenAI answers name the dated snapshot
    assert price_of("openai", "gpt-4o-mini-2024-07-18") == Pricing(0.15, 0.60)
    entry = find("bedrock", "us.amazon.nova-micro-v1:0")
    assert entry is not None
    assert entry.id == "amazon.nova-micro-v1:0"


def test_prices_are_per_million_tokens() -> None:
    gpt_4o_mini = price_of("openai", "gpt-4o-mini")
    assert gpt_4o_mini is not None
    assert gpt_4o_mini.cost(1_000_000, 1_000_000) == pytest.approx(0.75)
    assert gpt_4o_mini.cost(2_000, 500) == pytest.approx(0.0006)


def test_an_unknown_model_says_so_and_prices_at_zero() -> None:
    assert price_of("openai", "gpt-from-the-future") is None
    assert price_of("no-such-kind", "gpt-4o") is None
    assert models("no-such-kind") == ()
    assert price("openai", "gpt-from-the-future") == Pricing(0.0, 0.0)


def test_a_known_free_model_is_not_unknown() -> None:
    assert price_of("templates", "templates-1") == Pricing(0.0, 0.0)
    # Under the older kind and model names too: stored agents and providers keep a price.
    assert price_of("offline", "offline-1") == Pricing(0.0, 0.0)
    assert [model.id for model in models("offline")] == ["templates-1"]


def test_a_provider_prices_from_its_overrides_then_the_catalog() -> None:
    own = Pricing(0.5, 1.5)
    provider = OpenAIProvider(
        "local",
        base_url="http://127.0.0.1:9/v1",
        default_model="llama-3.1-8b",
        prices={"llama-3.1-8b": own},
    )
    try:
        assert provider.pricing("llama-3.1-8b") == own
        assert provider.pricing("gpt-4.1") == Pricing(2.0, 8.0)
        assert provider.pricing("mystery") == Pricing()
    finally:
        provider.close()

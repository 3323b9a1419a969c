"""The built-in model catalog: a few models per provider kind, with their list prices.

This is data, not logic: vendors change prices and ship models, so edit the tables below
when they do. Prices are US dollars per million tokens, standard (not batch, not cached)
input and output, as each vendor published them in late 2025; for Bedrock, on-demand in
us-east-1. Newer models (a team may configure any id) are simply unknown here: they price
at zero and `price_of` answers None, so callers can say the cost is not known rather than
claim it was free.

A model is found by its id or one of its aliases (Anthropic's undated alias, OpenAI's
dated snapshot that responses name, Bedrock's cross-region inference profile).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shared.llm.providers.templates import canonical_kind
from shared.llm.types import Pricing

PRICES_PUBLISHED = "2025-11"


@dataclass(frozen=True, slots=True)
class CatalogModel:
    id: str
    label: str
    pricing: Pricing
    aliases: tuple[str, ...] = ()


def _model(
    model_id: str, label: str, input_usd: float, output_usd: float, *aliases: str
) -> CatalogModel:
    return CatalogModel(model_id, label, Pricing(input_usd, output_usd), aliases)


CATALOG: Mapping[str, tuple[CatalogModel, ...]] = {
    "openai": (
        _model("gpt-5", "GPT-5", 1.25, 10.00, "gpt-5-2025-08-07"),
        _model("gpt-5-mini", "GPT-5 mini", 0.25, 2.00, "gpt-5-mini-2025-08-07"),
        _model("gpt-5-nano", "GPT-5 nano", 0.05, 0.40, "gpt-5-nano-2025-08-07"),
        _model("gpt-4.1", "GPT-4.1", 2.00, 8.00, "gpt-4.1-2025-04-14"),
        _model("gpt-4.1-mini", "GPT-4.1 mini", 0.40, 1.60, "gpt-4.1-mini-2025-04-14"),
        _model("gpt-4o", "GPT-4o", 2.50, 10.00, "gpt-4o-2024-08-06", "gpt-4o-2024-11-20"),
        _model("gpt-4o-mini", "GPT-4o mini", 0.15, 0.60, "gpt-4o-mini-2024-07-18"),
        _model("o4-mini", "o4-mini", 1.10, 4.40, "o4-mini-2025-04-16"),
    ),
    "anthropic": (
        _model("claude-opus-4-5-20251101", "Claude Opus 4.5", 5.00, 25.00, "claude-opus-4-5"),
        _model("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", 3.00, 15.00, "claude-sonnet-4-5"),
        _model("claude-haiku-4-5-20251001", "Claude Haiku 4.5", 1.00, 5.00, "claude-haiku-4-5"),
        _model("claude-opus-4-1-20250805", "Claude Opus 4.1", 15.00, 75.00, "claude-opus-4-1"),
        _model("claude-sonnet-4-20250514", "Claude Sonnet 4", 3.00, 15.00, "claude-sonnet-4-0"),
    ),
    "bedrock": (
        _model(
            "amazon.nova-micro-v1:0", "Amazon Nova Micro", 0.035, 0.14, "us.amazon.nova-micro-v1:0"
        ),
        _model("amazon.nova-lite-v1:0", "Amazon Nova Lite", 0.06, 0.24, "us.amazon.nova-lite-v1:0"),
        _model("amazon.nova-pro-v1:0", "Amazon Nova Pro", 0.80, 3.20, "us.amazon.nova-pro-v1:0"),
        # Claude 4.5 runs on demand only through an inference profile; the regional ones
        # (us., eu.) are priced apart from the global one and are left out until needed.
        _model(
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "Claude Sonnet 4.5 (Bedrock, global)",
            3.00,
            15.00,
        ),
        _model(
            "global.anthropic.claude-haiku-4-5-20251001-v1:0",
            "Claude Haiku 4.5 (Bedrock, global)",
            1.00,
            5.00,
        ),
        _model(
            "anthropic.claude-sonnet-4-20250514-v1:0",
            "Claude Sonnet 4 (Bedrock)",
            3.00,
            15.00,
            "us.anthropic.claude-sonnet-4-20250514-v1:0",
        ),
    ),
    # Not a model: the built-in template generator, free, under its older id too.
    "templates": (
        _model("templates-1", "Template generator (not a model)", 0.0, 0.0, "offline-1"),
    ),
}

# Every id and alias per kind, built once: lookups happen on every completion.
_INDEX: dict[str, dict[str, CatalogModel]] = {
    kind: {name: entry for entry in entries for name in (entry.id, *entry.aliases)}
    for kind, entries in CATALOG.items()
}


def models(kind: str) -> tuple[CatalogModel, ...]:
    """The catalog's models for a provider kind (none for an unknown kind)."""
    return CATALOG.get(canonical_kind(kind), ())


def find(kind: str, model: str) -> CatalogModel | None:
    return _INDEX.get(canonical_kind(kind), {}).get(model)


def price_of(kind: str, model: str) -> Pricing | None:
    """The model's list price, or None when the catalog does not know it."""
    entry = find(kind, model)
    return entry.pricing if entry is not None else None


def price(kind: str, model: str, overrides: Mapping[str, Pricing] | None = None) -> Pricing:
    """What a provider charges for `model`: its own override, the catalog's, else zero."""
    known = (overrides or {}).get(model) or price_of(kind, model)
    return known if known is not None else Pricing()

"""What a job like a request would cost: each phase's expected tokens, priced at the list
price of the model its agent would use (the team's per-phase agent config), as the router
would price the answers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from functions.jobs.schemas import JobEstimate, PhaseEstimate
from shared.agents import service as agents
from shared.errors import NotFound
from shared.llm import registry
from shared.llm.providers import catalog
from shared.llm.providers.templates import KIND as TEMPLATES
from shared.llm.providers.templates import MODEL as TEMPLATES_MODEL
from shared.llm.providers.templates import canonical_kind, is_builtin_name
from shared.llm.team_router import BUILTIN_PROVIDER
from shared.llm.types import Pricing
from shared.pipeline.definition import PHASES
from shared.pipeline.spec import JobSpec

# Each feature past the first adds this share of a phase's expected tokens.
FEATURE_SCALE = 0.35


@dataclass(frozen=True, slots=True)
class _Model:
    provider: str
    model: str
    pricing: Pricing
    priced: bool  # whether a price is known (the template generator's zero is one)


def _builtin() -> _Model:
    return _Model(BUILTIN_PROVIDER, TEMPLATES_MODEL, Pricing(), priced=True)


def _phase_models(team_id: str) -> dict[str, _Model]:
    """Each phase's provider, model and price: one Query and one BatchGetItem for the
    configs and their agents, and one GetItem per provider they name."""
    kinds: dict[str, tuple[str, str] | None] = {}
    chosen: dict[str, _Model] = {}
    for entry in agents.config(team_id):
        provider, model = entry.llm_provider, entry.llm_model
        if not provider:
            chosen[entry.phase] = _builtin()
            continue
        if provider not in kinds:
            kinds[provider] = _kind_of(team_id, provider)
        found = kinds[provider]
        if found is None:  # deleted since the agent named it: the phase would fail
            chosen[entry.phase] = _Model(provider, model or "", Pricing(), priced=False)
            continue
        kind, default_model = found
        model = model or default_model
        price = catalog.price_of(kind, model)
        known = price is not None or canonical_kind(kind) == TEMPLATES
        chosen[entry.phase] = _Model(provider, model, price or Pricing(), known)
    return chosen


def _kind_of(team_id: str, provider: str) -> tuple[str, str] | None:
    try:
        config = registry.config(team_id, provider)
    except NotFound:
        return (TEMPLATES, TEMPLATES_MODEL) if is_builtin_name(provider) else None
    return config.kind, config.default_model


def estimate(team_id: str, spec: JobSpec) -> JobEstimate:
    scale = 1.0 + FEATURE_SCALE * max(0, len(spec.features) - 1)
    models = _phase_models(team_id)
    phases = []
    for phase in PHASES:
        skipped = phase.name == "backend" and spec.backend == "none"
        model = models.get(phase.name, _builtin()) if phase.uses_model else None
        tokens_in = 0 if skipped else round(phase.expected_tokens_in * scale)
        tokens_out = 0 if skipped else round(phase.expected_tokens_out * scale)
        cost = model.pricing.cost(tokens_in, tokens_out) if model else 0.0
        phases.append(
            PhaseEstimate(
                phase=phase.name,
                agent=phase.agent_role,
                provider=model.provider if model else None,
                model=model.model if model else None,
                skipped=skipped,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                cost_usd=round(cost, 6),
                seconds=0.0 if skipped else phase.expected_seconds,
            )
        )
    used = [models.get(p.name, _builtin()) for p in PHASES if p.uses_model]
    unpriced = sorted({f"{m.provider}:{m.model}" for m in used if not m.priced})
    notes = [
        "expected tokens per phase at each phase agent's model, priced at list prices; "
        "real calls are priced by the model that answers"
    ]
    if unpriced:
        notes.append(f"no list price known for {', '.join(unpriced)}: counted as free")
    return JobEstimate(
        model=Counter(m.model for m in used).most_common(1)[0][0],
        phases=phases,
        tokens_in=sum(p.tokens_in for p in phases),
        tokens_out=sum(p.tokens_out for p in phases),
        cost_usd=round(sum(p.cost_usd for p in phases), 6),
        seconds=round(sum(p.seconds for p in phases), 1),
        notes=notes,
    )

"""The discovery-runs consumer's work: one run asked of the team's default provider
through the router (budget, breaker, fallback, the ledger under call id
`discovery-<run>`, so a redelivered message is not charged twice), its ideas stored, and
with create_product one product started per idea (shared.products.lifecycle).

A run always ends: what the team's setup refuses (a spent budget, no such provider, every
provider failing) ends it `failed` with the reason; a failure of our own raises so SQS
delivers again, and on the last receive the run is failed with the reason first; should
even that write fail, the dead-letter archiver's settler (`settle_dead_letter`) fails it.
A product already started for an idea is recorded on the run before the next one starts,
so a redelivery resumes without starting it twice.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from shared.discovery import ideas as idea_text
from shared.discovery import store
from shared.discovery.domain import DEFAULT_CATEGORY, ERROR_CHARS, TERMINAL, DiscoveryRun, Idea
from shared.errors import DomainError, ServiceUnavailable
from shared.ids import utcnow
from shared.observability import logger

MAX_TOKENS: Final = 1024
TEMPERATURE: Final = 0.7


def run_discovery(team_id: str, run_id: str, *, last_receive: bool = False) -> DiscoveryRun | None:
    """Carry the run to its end if it has none yet; the run as it ended (None: unknown)."""
    run = store.get_run(team_id, run_id)
    if run is None or run.status in TERMINAL:
        return run
    try:
        return _carry(run)
    except ServiceUnavailable as exc:  # ours (storage, a queue): delivered again
        if last_receive:
            fail(team_id, run_id, f"the discovery run could not finish: {exc.detail}")
        raise
    except DomainError as exc:
        # The team's (a spent budget, a provider gone or disabled): an answer, not a retry.
        return fail(team_id, run_id, exc.detail)
    except Exception as exc:
        if last_receive:
            fail(team_id, run_id, f"the discovery run failed ({type(exc).__name__})")
        raise


def _carry(run: DiscoveryRun) -> DiscoveryRun:
    if run.status == "queued" or not run.ideas:
        run = _ask(run)
    if run.create_product:
        run = _start_products(run)
    return store.save_run(replace(run, status="completed", updated_at=utcnow()))


def _ask(run: DiscoveryRun) -> DiscoveryRun:
    from shared.chat.tickets import check_target
    from shared.llm.providers.templates import KIND as TEMPLATES
    from shared.llm.router import CallContext, Target
    from shared.llm.team_router import router_for
    from shared.llm.types import CompletionRequest, Message, PhaseTask, ProviderError
    from shared.team_settings import get_team_settings

    settings = get_team_settings(run.team_id)
    provider, model = check_target(run.team_id, settings.default_provider or TEMPLATES, None)
    request = CompletionRequest(
        model=model,
        messages=(
            Message("system", idea_text.SYSTEM_PROMPT),
            Message("user", idea_text.user_message(run.theme, run.top_k)),
        ),
        max_tokens=MAX_TOKENS,
        temperature=TEMPERATURE,
        task=PhaseTask(phase=idea_text.PHASE, spec={"theme": run.theme, "top_k": run.top_k}),
    )
    call = CallContext(team_id=run.team_id, user_id=run.requested_by, call_id=f"discovery-{run.id}")
    router = router_for(settings, renderer=idea_text.render)
    try:
        routed = router.complete(call, Target(provider, model), request)
    except ProviderError as exc:  # after the fallback; errors name no key
        raise _Refused(f"provider {provider}: {str(exc)[:300]}") from exc
    found = idea_text.parse(routed.completion.text, run.top_k)
    if not found:
        raise _Refused("the agent's answer held no ideas (one per line was asked for)")
    return store.save_run(
        replace(
            run,
            status="running",
            ideas=tuple(Idea(text=text) for text in found),
            provider=routed.target.provider,
            model=routed.completion.model or routed.target.model,
            updated_at=utcnow(),
        )
    )


def _start_products(run: DiscoveryRun) -> DiscoveryRun:
    from shared.products import lifecycle

    for index, idea in enumerate(run.ideas):
        if idea.product_id is not None or idea.error is not None:
            continue  # started (or refused) on an earlier receive
        try:
            product, job = lifecycle.create_from_idea(
                run.team_id,
                run.requested_by,
                lifecycle.Idea(idea=idea.text, category=run.category or DEFAULT_CATEGORY),
            )
            done = replace(idea, product_id=product.id, job_id=job.id)
        except ServiceUnavailable:
            raise
        except DomainError as exc:
            done = replace(idea, error=exc.detail[:ERROR_CHARS])
        changed = list(run.ideas)
        changed[index] = done
        run = store.save_run(replace(run, ideas=tuple(changed), updated_at=utcnow()))
    return run


class _Refused(DomainError):
    """What the provider's side refused: the run fails with it."""

    status_code = 502


def fail(team_id: str, run_id: str, reason: str) -> DiscoveryRun | None:
    """The run (read again: it may have moved on) ends failed with `reason`; None when it
    had ended already or is gone."""
    run = store.get_run(team_id, run_id)
    if run is None or run.status in TERMINAL:
        return run
    return store.save_run(
        replace(run, status="failed", error=reason[:ERROR_CHARS], updated_at=utcnow())
    )


def settle_dead_letter(payload: Any) -> None:
    """A discovery-runs message the consumer never settled: its run ends failed (nothing
    for one that ended, or a payload naming none)."""
    if not isinstance(payload, dict):
        return
    team_id, run_id = payload.get("team_id"), payload.get("run_id")
    if not isinstance(team_id, str) or not isinstance(run_id, str):
        return
    logger.warning("discovery run settled from the dead-letter queue", extra={"run": run_id})
    fail(
        team_id,
        run_id,
        "the discovery run could not finish: its message went to the dead-letter queue",
    )

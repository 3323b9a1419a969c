"""What a provider's failure tells a job: which provider, what kind of failure, its status
and the start of its own words, and how many times the phase was tried; as a structured
`PhaseFailure` for clients and as a sentence for people (the job's and the phase's `error`).

The worker records both on the phase record before it raises, so they reach the job and the
`job.failed` event through the state machine's Catch without riding in the error's `Cause`
(which moto drops for a task failure, and which Lambda caps).
"""

from __future__ import annotations

from shared.jobs.domain import PhaseFailure
from shared.llm.breaker.transitions import short
from shared.llm.router import AllProvidersFailed, Attempt
from shared.llm.types import ProviderError

_WHAT = {
    "unavailable": "was unavailable",
    "timeout": "did not answer in time",
    "malformed": "answered with something that is not a completion",
    "auth": "refused the credentials",
    "rate_limited": "refused the call: rate limited",
    "bad_request": "refused the request",
}


def provider_failure(exc: BaseException, attempts: int) -> PhaseFailure | None:
    """The failure behind a phase error raised from a ProviderError (`raise ... from`), or
    None when no provider failed. After a fallback, it names the first provider the router
    tried that failed (the agent's own, unless its breaker was open)."""
    cause = exc.__cause__
    if not isinstance(cause, ProviderError):
        return None
    if isinstance(cause, AllProvidersFailed):
        return _from_attempts(cause.attempts, attempts)
    return _from_error(cause, cause.provider, attempts)


def _from_attempts(tried: tuple[Attempt, ...], attempts: int) -> PhaseFailure | None:
    failed = [attempt for attempt in tried if attempt.outcome != "answered"]
    if not failed:
        return None
    chosen = next((attempt for attempt in failed if attempt.error is not None), failed[0])
    if chosen.error is not None:
        return _from_error(chosen.error, chosen.target.provider, attempts)
    # Not called: its breaker was open, or it cannot be used (deleted, disabled).
    return PhaseFailure(
        provider=chosen.target.provider,
        kind="unavailable",
        message=short(chosen.detail),
        attempts=attempts,
    )


def _from_error(error: ProviderError, provider: str | None, attempts: int) -> PhaseFailure:
    kind = error.kind or ("unavailable" if error.transient else "bad_request")
    return PhaseFailure(
        provider=error.provider or provider,
        kind=kind,
        status=error.status,
        # The provider's own words (already cleared of its key), else our message; once
        # more cleared of anything that looks like a credential, and cut short.
        message=short(error.detail or str(error)),
        attempts=attempts,
    )


def describe(phase: str, failure: PhaseFailure, agent: str | None = None) -> str:
    """One sentence: the phase, who failed, how, after how many attempts, and why."""
    who = f"agent '{agent}' on provider {failure.provider}" if agent else failure.provider
    status = f" (HTTP {failure.status})" if failure.status is not None else ""
    tries = f"{failure.attempts} attempt{'s' if failure.attempts != 1 else ''}"
    sentence = f"{phase}: {who or 'the provider'} {_WHAT[failure.kind]}{status} after {tries}"
    return f"{sentence}: {failure.message}" if failure.message else sentence

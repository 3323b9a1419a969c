"""Every LLM call of a team goes through here: budget, breaker, provider, fallback, ledger.

    check the budget (refuse before spending)
    for the agent's target, then the team's `smart_model_fallback`:
        breaker open?            -> skip to the next
        call the provider        -> a failure is counted by the breaker, then the next
        success                  -> breaker told, cost priced and recorded, alerts checked
    nothing answered             -> AllProvidersFailed, naming each attempt

Bookkeeping per answered call, in DynamoDB requests: one BatchGetItem reads the budget,
the rollups it checks, every candidate's breaker (which decides on the item read; its
success is written only when it had something to reset) and what each candidate's client
is built from (a registered provider's configuration: its source keeps the client per
configuration version), then the ledger (one TransactWriteItems). The alerts are decided
from what was read plus the call's cost (no request, unless a threshold is crossed: then
its claim). A failure is counted by a conditional UpdateItem on the breaker as read; a
lost race re-reads it.

A refused budget is not a provider failure: it is raised as is (BudgetExceeded), and the
pipeline turns it into an approval. Which provider answered is on the result and in the
ledger. No retries here beyond the fallback: the breaker and Step Functions' retries
decide when to try a provider again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from shared.costs.alerts import alerts_after
from shared.costs.amounts import cost_micros, micros_to_usd
from shared.costs.budget_check import BudgetSeen, budget_keys, check_budget
from shared.costs.calls import CallRecord
from shared.costs.ledger import record_call
from shared.db.batch import ItemKey, get_many
from shared.errors import NotFound, ServiceUnavailable
from shared.ids import utcnow
from shared.llm import breaker
from shared.llm.types import Completion, CompletionRequest, Pricing, Provider, ProviderError
from shared.observability import logger

# Failures that say the provider is unhealthy. A bad request is the caller's: one bad prompt
# must not open a breaker.
_BREAKER_KINDS = frozenset({"rate_limited", "unavailable", "timeout", "malformed", "auth"})
# A rough count of prompt tokens for the budget estimate (about 4 characters a token).
_CHARS_PER_TOKEN = 4


@runtime_checkable
class ClientSource(Protocol):
    """Turns a team's provider name into a ready client, from items the router reads in its
    one BatchGetItem (shared.llm.team_router's source: the registry's provider items)."""

    def keys(self, team_id: str, name: str) -> Sequence[ItemKey]:
        """The items the client of `name` is built from."""
        ...

    def client(self, team_id: str, name: str, read: Mapping[ItemKey, Any] | None) -> Provider:
        """The client, built from `read` (None: the batch could not be read, so the source
        reads for itself)."""
        ...


# A plain lookup (team_id, name) -> client, which needs nothing from the router's read.
ClientLookup = Callable[[str, str], Provider]


@dataclass(frozen=True, slots=True)
class _Lookup:
    lookup: ClientLookup

    def keys(self, team_id: str, name: str) -> Sequence[ItemKey]:
        return ()

    def client(self, team_id: str, name: str, read: Mapping[ItemKey, Any] | None) -> Provider:
        return self.lookup(team_id, name)


@dataclass(frozen=True, slots=True)
class Target:
    """A provider of the team, and a model of it ("" = the provider's default model)."""

    provider: str
    model: str = ""

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}" if self.model else self.provider


@dataclass(frozen=True, slots=True)
class CallContext:
    """Who the call is for: the ledger and the budget are kept per team, user, agent, job."""

    team_id: str
    user_id: str
    agent_id: str | None = None
    job_id: str | None = None
    # A stable id (job, phase, attempt, n): a retried invocation is not charged twice.
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    target: Target
    outcome: str  # answered | skipped (breaker open) | failed
    detail: str = ""
    # The provider's own failure, when it was called and failed (kind, status, its words).
    error: ProviderError | None = None


@dataclass(frozen=True, slots=True)
class Routed:
    completion: Completion
    target: Target  # what answered
    cost_usd: float
    attempts: tuple[Attempt, ...]


class AllProvidersFailed(ProviderError):
    """Neither the agent's target nor the fallback answered; each attempt says why."""

    def __init__(self, attempts: tuple[Attempt, ...]) -> None:
        summary = "; ".join(
            f"{a.target} {a.outcome}{f' ({a.detail})' if a.detail else ''}" for a in attempts
        )
        super().__init__(f"no provider answered: {summary}", transient=True, kind="unavailable")
        self.attempts = attempts


class _Clients:
    """The clients of one routed call, each looked up once. A provider that cannot be
    used (deleted, disabled, its store unreachable) is a reason string, not a client: the
    next candidate is tried, and no breaker counts it."""

    def __init__(self, source: ClientSource, team_id: str) -> None:
        self.source = source
        self.team_id = team_id
        self.read: Mapping[ItemKey, Any] | None = None  # the router's batch, once read
        self.found: dict[str, Provider | str] = {}

    def get(self, provider: str) -> Provider | str:
        if provider not in self.found:
            try:
                self.found[provider] = self.source.client(self.team_id, provider, self.read)
            except (NotFound, ServiceUnavailable) as exc:
                self.found[provider] = exc.detail
            except ProviderError as exc:  # the store's "disabled" or "cannot be built"
                self.found[provider] = str(exc)[:200]
        return self.found[provider]


@dataclass
class Router:
    clients: ClientSource | ClientLookup
    policy: breaker.BreakerPolicy = field(default_factory=breaker.BreakerPolicy)
    fallback: Target | None = None
    enforce_budget: bool = True
    _source: ClientSource = field(init=False, repr=False)

    def __post_init__(self) -> None:
        clients = self.clients
        self._source = clients if isinstance(clients, ClientSource) else _Lookup(clients)

    def complete(self, call: CallContext, target: Target, request: CompletionRequest) -> Routed:
        clients = _Clients(self._source, call.team_id)
        candidates = self._candidates(target)
        read, seen = self._read(call, candidates, clients, request)
        attempts: list[Attempt] = []
        for candidate in candidates:
            client = clients.get(candidate.provider)
            if isinstance(client, str):
                attempts.append(Attempt(candidate, "failed", client))
                continue
            stored = (
                None if read is None else breaker.from_read(read, call.team_id, candidate.provider)
            )
            decision = self._allowed(call.team_id, candidate, stored)
            if decision is not None and not decision.allowed:
                attempts.append(Attempt(candidate, "skipped", "circuit breaker open"))
                continue
            if stored is not None and decision is not None:
                stored = decision.breaker  # half-open when this call is the probe
            if request.model != candidate.model:
                request = replace(request, model=candidate.model)
            started = time.time()
            try:
                completion = client.complete(request)
            except ProviderError as exc:
                attempts.append(Attempt(candidate, "failed", str(exc)[:200], exc))
                self._failed(call.team_id, candidate, exc, stored, started)
                continue
            attempts.append(Attempt(candidate, "answered"))
            # A breaker read closed with nothing counted has nothing to reset: reporting the
            # success would be a read that changes nothing. (A failure another instance
            # counts meanwhile is left to its window, as it would be had it come just after.)
            if decision is None or not decision.clean:
                self._answered(call.team_id, candidate, stored)
            cost = self._charge(call, candidate, client, completion, seen)
            return Routed(completion, candidate, cost, tuple(attempts))
        raise AllProvidersFailed(tuple(attempts))

    def _candidates(self, target: Target) -> list[Target]:
        if self.fallback is None or self.fallback == target:
            return [target]
        return [target, self.fallback]

    def _read(
        self,
        call: CallContext,
        candidates: list[Target],
        clients: _Clients,
        request: CompletionRequest,
    ) -> tuple[Mapping[ItemKey, Any] | None, BudgetSeen | None]:
        """One BatchGetItem for the budget check, every candidate's breaker and what its
        client is built from (handed to `clients`); then refuse before spending
        (BudgetExceeded). Answers what was read (None: storage did not answer and no budget
        is enforced, so each breaker and client source reads on its own) and what the check
        saw, for the alerts after the call."""
        now = utcnow()
        keys: list[ItemKey] = []
        for candidate in candidates:
            keys.append(breaker.item_key(call.team_id, candidate.provider))
            keys += clients.source.keys(call.team_id, candidate.provider)
        if self.enforce_budget:
            keys += budget_keys(call.team_id, call.user_id, now)
        try:
            read = get_many(keys)
        except ServiceUnavailable:
            if self.enforce_budget:
                raise  # a budget that cannot be read cannot be enforced
            return None, None
        clients.read = read
        if not self.enforce_budget:
            return read, None
        estimate = self._estimate(candidates[0], clients.get(candidates[0].provider), request)
        return read, check_budget(call.team_id, call.user_id, estimate, now, read=read)

    @staticmethod
    def _estimate(target: Target, client: Provider | str, request: CompletionRequest) -> int:
        """The most the call may cost: the prompt's size and the longest answer, priced at
        the target's rates (an exhausted budget refuses even when they are unknown)."""
        prompt_tokens = math.ceil(sum(len(m.content) for m in request.messages) / _CHARS_PER_TOKEN)
        pricing = client.pricing(target.model) if not isinstance(client, str) else Pricing()
        return cost_micros(
            prompt_tokens,
            request.max_tokens,
            pricing.input_per_million,
            pricing.output_per_million,
        )

    def _allowed(
        self, team_id: str, target: Target, stored: breaker.Breaker | None
    ) -> breaker.Decision | None:
        """The breaker's decision; None when it could not be read (the call goes ahead)."""
        try:
            return breaker.allow(team_id, target.provider, self.policy, stored=stored)
        except ServiceUnavailable:
            # The breaker's store is down: call the provider rather than stop every call.
            logger.warning(
                "circuit breaker unreadable; calling", extra={"provider": target.provider}
            )
            return None

    def _failed(
        self,
        team_id: str,
        target: Target,
        exc: ProviderError,
        stored: breaker.Breaker | None,
        started: float,
    ) -> None:
        if exc.kind not in _BREAKER_KINDS:
            return
        error = f"{exc.kind or 'error'} {exc.status or ''}"
        try:
            # When the call began, so a failure that took longer than the window (a read
            # timeout) still counts with the one before it.
            breaker.record_failure(
                team_id, target.provider, error.strip(), self.policy, stored=stored, started=started
            )
        except ServiceUnavailable:
            logger.warning("circuit breaker not updated", extra={"provider": target.provider})

    def _answered(self, team_id: str, target: Target, stored: breaker.Breaker | None) -> None:
        try:
            breaker.record_success(team_id, target.provider, stored=stored)
        except ServiceUnavailable:
            logger.warning("circuit breaker not updated", extra={"provider": target.provider})

    def _charge(
        self,
        call: CallContext,
        target: Target,
        client: Provider,
        completion: Completion,
        seen: BudgetSeen | None,
    ) -> float:
        """Price the answer by the model that gave it, record it, check the alerts (from
        what the budget check read, when there was one; otherwise by reading)."""
        model = completion.model or target.model
        pricing = client.pricing(model)
        record = CallRecord(
            team_id=call.team_id,
            user_id=call.user_id,
            agent_id=call.agent_id,
            job_id=call.job_id,
            provider=target.provider,
            model=model,
            tokens_in=completion.tokens_in,
            tokens_out=completion.tokens_out,
            input_price_per_million=pricing.input_per_million,
            output_price_per_million=pricing.output_per_million,
        )
        cost = record.cost_micros  # priced once: Decimal arithmetic, on every call
        try:
            record_call(record, call_id=call.call_id)
            alerts_after(call.team_id, record.at, seen=seen, cost_micros=cost)
        except ServiceUnavailable:
            # The answer is paid for and in hand: losing it to a ledger outage would only
            # make the caller pay again. The log keeps what the ledger missed.
            logger.exception(
                "cost not recorded",
                extra={
                    "team_id": call.team_id,
                    "provider": target.provider,
                    "cost_usd": micros_to_usd(cost),
                },
            )
        return micros_to_usd(cost)

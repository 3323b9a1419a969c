"""The router: budget first, breaker per provider, fallback, and every answer charged."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from shared.costs import alerts as budget_alerts
from shared.costs.budget_updates import set_budget
from shared.costs.summaries import by_provider, daily, summary
from shared.errors import BudgetExceeded, NotFound
from shared.llm import breaker, team_router
from shared.llm.providers.templates import TemplateProvider
from shared.llm.router import AllProvidersFailed, CallContext, Router, Target
from shared.llm.types import (
    Completion,
    CompletionRequest,
    ErrorKind,
    Message,
    Pricing,
    ProviderError,
)
from shared.pagination import PageParams
from shared.team_settings import TeamSettings
from tests.fake_servers import Reply, fake_openai

pytestmark = pytest.mark.usefixtures("aws")

_teams = itertools.count(1)
REQUEST = CompletionRequest(model="", messages=(Message("user", "Write a haiku."),), max_tokens=100)


@dataclass
class ScriptedProvider:
    """A provider that answers, or fails with the kind it is given, and counts its calls."""

    name: str
    kind: str = "openai"
    fails_with: ErrorKind | None = None
    price: Pricing = field(default_factory=lambda: Pricing(1.0, 2.0))
    calls: int = 0

    def complete(self, request: CompletionRequest) -> Completion:
        self.calls += 1
        if self.fails_with is not None:
            raise ProviderError(f"{self.name} failed", kind=self.fails_with, status=503)
        return Completion("ok", request.model or "m-default", self.name, 1_000, 500)

    def pricing(self, model: str) -> Pricing:
        return self.price


def router_for(
    *providers: ScriptedProvider, fallback: str | None = None, **options: object
) -> Router:
    by_name = {provider.name: provider for provider in providers}
    return Router(
        clients=lambda team_id, name: by_name[name],
        fallback=Target(*fallback.split(":", 1)) if fallback else None,
        **options,  # type: ignore[arg-type]
    )


def call() -> CallContext:
    return CallContext(team_id=f"router-{next(_teams)}", user_id="u1", agent_id="a1", job_id="j1")


@pytest.fixture
def alerts(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The budget alerts published."""
    found: list[dict[str, Any]] = []

    def publish(detail_type: str, detail: dict[str, Any]) -> bool:
        found.append(detail)
        return True

    monkeypatch.setattr(budget_alerts, "publish", publish)
    return found


def test_the_target_answers_and_the_call_is_charged_to_it() -> None:
    primary = ScriptedProvider("primary")
    context = call()

    routed = router_for(primary).complete(context, Target("primary", "m1"), REQUEST)

    assert routed.completion.text == "ok"
    assert routed.target == Target("primary", "m1")
    assert [attempt.outcome for attempt in routed.attempts] == ["answered"]
    # 1,000 tokens in at $1/M and 500 out at $2/M.
    assert routed.cost_usd == pytest.approx(0.002)
    totals = summary(context.team_id)
    assert (totals.total_calls, totals.total_cost_usd) == (1, pytest.approx(0.002))


def test_a_failing_target_falls_back_and_the_ledger_names_who_answered() -> None:
    primary = ScriptedProvider("primary", fails_with="unavailable")
    backup = ScriptedProvider("backup")
    context = call()

    routed = router_for(primary, backup, fallback="backup:m2").complete(
        context, Target("primary"), REQUEST
    )

    assert routed.target == Target("backup", "m2")
    assert [attempt.outcome for attempt in routed.attempts] == ["failed", "answered"]
    assert breaker.state_of(context.team_id, "primary").failures == 1
    lines, _, _ = by_provider(context.team_id, PageParams())
    assert [(line.name, line.calls) for line in lines] == [("backup", 1)]


def test_an_open_breaker_skips_the_provider_without_calling_it() -> None:
    primary = ScriptedProvider("primary")
    backup = ScriptedProvider("backup")
    context = call()
    breaker.force_open(context.team_id, "primary")

    routed = router_for(primary, backup, fallback="backup").complete(
        context, Target("primary"), REQUEST
    )

    assert primary.calls == 0
    assert routed.attempts[0].outcome == "skipped"
    assert routed.target.provider == "backup"


def test_failures_open_the_breaker_and_later_calls_go_straight_to_the_fallback() -> None:
    primary = ScriptedProvider("primary", fails_with="timeout")
    backup = ScriptedProvider("backup")
    router = router_for(
        primary, backup, fallback="backup", policy=breaker.BreakerPolicy(failure_threshold=2)
    )
    context = call()

    for _ in range(3):
        router.complete(context, Target("primary"), REQUEST)

    assert primary.calls == 2
    assert backup.calls == 3
    assert breaker.state_of(context.team_id, "primary").state == "open"


def test_a_bad_request_falls_back_but_does_not_count_against_the_provider() -> None:
    primary = ScriptedProvider("primary", fails_with="bad_request")
    backup = ScriptedProvider("backup")
    context = call()

    router_for(primary, backup, fallback="backup").complete(context, Target("primary"), REQUEST)

    assert breaker.state_of(context.team_id, "primary").failures == 0


def test_when_nothing_answers_the_error_names_every_attempt() -> None:
    primary = ScriptedProvider("primary", fails_with="unavailable")
    backup = ScriptedProvider("backup", fails_with="rate_limited")
    context = call()

    with pytest.raises(AllProvidersFailed) as failed:
        router_for(primary, backup, fallback="backup").complete(context, Target("primary"), REQUEST)

    assert failed.value.transient
    assert [attempt.target.provider for attempt in failed.value.attempts] == ["primary", "backup"]
    assert "primary failed" in str(failed.value)
    assert summary(context.team_id).total_calls == 0


def test_an_exhausted_budget_refuses_before_any_provider_is_called() -> None:
    primary = ScriptedProvider("primary")
    context = call()
    set_budget(context.team_id, daily_limit=0.0001)

    with pytest.raises(BudgetExceeded, match="daily"):
        router_for(primary).complete(context, Target("primary"), REQUEST)

    assert primary.calls == 0


def test_a_retried_call_with_the_same_id_is_charged_once() -> None:
    primary = ScriptedProvider("primary")
    context = call()
    retried = replace(context, call_id=f"{context.team_id}-dev-1-1")
    router = router_for(primary)

    router.complete(retried, Target("primary"), REQUEST)
    router.complete(retried, Target("primary"), REQUEST)

    assert summary(context.team_id).total_calls == 1


def test_the_template_generator_answers_at_no_cost_and_the_ledger_counts_no_tokens() -> None:
    # Given the template generator (it tokenizes nothing) and a model that counts its tokens
    context = call()
    model = ScriptedProvider("primary")
    clients = {"templates": TemplateProvider(), "primary": model}
    router = Router(clients=lambda team_id, name: clients[name])

    # When the template generator answers
    routed = router.complete(context, Target("templates"), REQUEST)

    # Then it costs nothing and the cost pages say its tokens were not counted, not zero
    # nor an estimate from characters
    assert routed.completion.text
    assert routed.cost_usd == 0.0
    totals = summary(context.team_id)
    assert (totals.total_calls, totals.total_tokens_in, totals.total_tokens_out) == (1, None, None)
    lines, _, _ = by_provider(context.team_id, PageParams())
    assert [(line.name, line.tokens_in, line.tokens_out) for line in lines] == [
        ("templates", None, None)
    ]
    assert (daily(context.team_id, 1)[0].tokens_in, daily(context.team_id, 1)[0].calls) == (None, 1)

    # And when a model answers too, its counted tokens are what the totals show
    router.complete(context, Target("primary"), REQUEST)
    totals = summary(context.team_id)
    assert (totals.total_calls, totals.total_tokens_in, totals.total_tokens_out) == (2, 1_000, 500)
    lines, _, _ = by_provider(context.team_id, PageParams())
    assert {line.name: (line.tokens_in, line.tokens_out) for line in lines} == {
        "templates": (None, None),
        "primary": (1_000, 500),
    }


@pytest.mark.parametrize(("text", "target"), [("a", Target("a")), ("a:m:1", Target("a", "m:1"))])
def test_targets_are_written_provider_colon_model(text: str, target: Target) -> None:
    assert str(target) == text


def test_a_provider_that_cannot_be_used_is_skipped_for_the_fallback() -> None:
    backup = ScriptedProvider("backup")
    context = call()

    def clients(team_id: str, name: str) -> ScriptedProvider:
        if name == "gone":
            raise NotFound("provider not found")
        return backup

    routed = Router(clients=clients, fallback=Target("backup")).complete(
        context, Target("gone"), REQUEST
    )

    assert routed.attempts[0].outcome == "failed"
    assert routed.attempts[0].detail == "provider not found"
    assert routed.target.provider == "backup"
    assert breaker.state_of(context.team_id, "gone").failures == 0


def test_each_provider_is_looked_up_once_per_call() -> None:
    primary = ScriptedProvider("primary")
    lookups: list[str] = []

    def clients(team_id: str, name: str) -> ScriptedProvider:
        lookups.append(name)
        return primary

    Router(clients=clients).complete(call(), Target("primary"), REQUEST)

    assert lookups == ["primary"]


def test_the_provider_store_serves_the_router() -> None:
    from shared.llm import registry
    from shared.llm.registry import ProviderCreate

    context = call()
    registry.create(context.team_id, ProviderCreate(name="local", kind="templates"))

    routed = Router(clients=registry.client_for).complete(context, Target("local"), REQUEST)

    assert routed.target.provider == "local"
    assert routed.completion.text


# The bookkeeping of an answered call: one read of the budget and the breakers, the ledger.
READ, LEDGER = "BatchGetItem", "TransactWriteItems"


def test_an_answer_on_a_team_without_budget_or_failures_costs_two_requests(
    dynamodb_calls: list[str], alerts: list[dict[str, Any]]
) -> None:
    primary = ScriptedProvider("primary")
    router = router_for(primary)
    context = call()
    router.complete(context, Target("primary"), REQUEST)  # the breaker and rollups exist now
    dynamodb_calls.clear()

    router.complete(context, Target("primary"), REQUEST)

    # The breaker is read with the budget; a success with nothing to reset writes nothing;
    # the alerts re-read nothing.
    assert dynamodb_calls == [READ, LEDGER]
    assert alerts == []
    assert summary(context.team_id).total_calls == 2


def test_a_budget_that_the_answer_leaves_below_its_thresholds_costs_no_more(
    dynamodb_calls: list[str], alerts: list[dict[str, Any]]
) -> None:
    context = call()
    set_budget(context.team_id, daily_limit=1, monthly_limit=10)
    dynamodb_calls.clear()

    router_for(ScriptedProvider("primary")).complete(context, Target("primary"), REQUEST)

    assert dynamodb_calls == [READ, LEDGER]
    assert alerts == []


def test_an_answer_that_crosses_a_threshold_is_announced_from_what_the_check_read(
    dynamodb_calls: list[str], alerts: list[dict[str, Any]]
) -> None:
    # $0.002 a call against $0.003 a day: the first call crosses 50%, the second 100%.
    context = call()
    set_budget(context.team_id, daily_limit=0.003)
    router = router_for(ScriptedProvider("primary"))
    dynamodb_calls.clear()

    router.complete(context, Target("primary"), REQUEST)
    first = [(alert["threshold"], alert["spent_usd"]) for alert in alerts]
    requests = list(dynamodb_calls)
    router.complete(context, Target("primary"), REQUEST)

    assert first == [(50, 0.002)]
    assert requests == [READ, LEDGER, "UpdateItem"]  # the claim; nothing re-read
    assert [(alert["threshold"], alert["spent_usd"]) for alert in alerts[1:]] == [
        (80, 0.004),
        (100, 0.004),
    ]


def test_without_the_budget_check_the_alerts_read_for_themselves(
    dynamodb_calls: list[str], alerts: list[dict[str, Any]]
) -> None:
    context = call()
    set_budget(context.team_id, daily_limit=0.003)
    dynamodb_calls.clear()

    router_for(ScriptedProvider("primary"), enforce_budget=False).complete(
        context, Target("primary"), REQUEST
    )

    # The breakers are still read in one batch; the alerts read the budget for themselves.
    assert dynamodb_calls == [READ, LEDGER, "BatchGetItem", "UpdateItem"]
    assert [alert["threshold"] for alert in alerts] == [50]


def test_an_answer_resets_the_failures_its_breaker_had_counted(
    dynamodb_calls: list[str],
) -> None:
    primary = ScriptedProvider("primary")
    context = call()
    breaker.record_failure(context.team_id, "primary", "timeout", breaker.DEFAULT_POLICY)
    dynamodb_calls.clear()

    router_for(primary).complete(context, Target("primary"), REQUEST)
    requests = list(dynamodb_calls)

    assert breaker.state_of(context.team_id, "primary").failures == 0
    # The reset is a conditional write on the breaker as the batch read it: no re-read.
    assert requests == [READ, "UpdateItem", LEDGER]


def test_a_failure_is_counted_on_the_breaker_as_read_and_the_fallback_needs_no_read(
    dynamodb_calls: list[str],
) -> None:
    # Given a primary that fails and a fallback, whose breakers are both in the one read
    context = call()
    router = router_for(
        ScriptedProvider("primary", fails_with="unavailable"),
        ScriptedProvider("backup"),
        fallback="backup",
    )
    router.complete(context, Target("primary"), REQUEST)  # the primary's breaker exists now
    dynamodb_calls.clear()

    # When the primary fails again
    routed = router.complete(context, Target("primary"), REQUEST)
    requests = list(dynamodb_calls)

    # Then the failure is counted by one conditional write, the fallback answers unread
    assert routed.target.provider == "backup"
    assert breaker.state_of(context.team_id, "primary").failures == 2
    assert requests == [READ, "UpdateItem", LEDGER]


def test_a_probe_that_answers_closes_the_breaker() -> None:
    primary = ScriptedProvider("primary")
    context = call()
    opened = time.time() - 100  # tripped long enough ago for the cooldown to be over
    for _ in range(breaker.DEFAULT_POLICY.failure_threshold):
        breaker.record_failure(
            context.team_id, "primary", "timeout", breaker.DEFAULT_POLICY, now=opened
        )
    assert breaker.state_of(context.team_id, "primary").state == "open"

    routed = router_for(primary).complete(context, Target("primary"), REQUEST)

    assert routed.target.provider == "primary"
    snapshot = breaker.state_of(context.team_id, "primary")
    assert (snapshot.state, snapshot.failures) == ("closed", 0)


def test_a_probe_that_fails_opens_the_breaker_again_on_the_breaker_it_left(
    dynamodb_calls: list[str],
) -> None:
    # Given a breaker whose cool-down is over
    primary = ScriptedProvider("primary", fails_with="unavailable")
    context = call()
    policy = breaker.DEFAULT_POLICY
    for _ in range(policy.failure_threshold):
        breaker.record_failure(context.team_id, "primary", "timeout", policy, now=time.time() - 100)
    dynamodb_calls.clear()

    # When the call that is its probe fails
    with pytest.raises(AllProvidersFailed):
        router_for(primary).complete(context, Target("primary"), REQUEST)
    requests = list(dynamodb_calls)

    # Then it is open again with a new cool-down, written on the half-open breaker the
    # probe's write answered: no re-read in between
    snapshot = breaker.state_of(context.team_id, "primary")
    assert snapshot.state == "open"
    assert snapshot.retry_after is not None
    assert snapshot.retry_after > policy.cooldown_seconds - 5
    assert snapshot.failures == policy.failure_threshold + 1
    assert requests == [READ, "UpdateItem", "UpdateItem"]


# A registered provider: its configuration is read in the same batch, its client reused.
OPENAI_KEY = "sk-router-test-Wq3Lp8Zt1Kv6Nr9Xb4Mc"


@pytest.fixture
def registered() -> Iterator[Callable[[str, str, str], None]]:
    """Registers an OpenAI-compatible provider of a team at a base URL; the cached
    clients are closed afterwards."""
    from shared.llm import registry
    from shared.llm.registry import ProviderCreate, clients

    def register(team_id: str, name: str, base_url: str) -> None:
        registry.create(
            team_id,
            ProviderCreate.model_validate(
                {
                    "name": name,
                    "kind": "openai",
                    "base_url": f"{base_url}/v1",
                    "api_key": OPENAI_KEY,
                    "default_model": "gpt-4o-mini",
                }
            ),
        )

    yield register
    clients.forget_clients()


def test_a_registered_provider_answers_for_two_requests_a_call(
    dynamodb_calls: list[str], registered: Callable[[str, str, str], None]
) -> None:
    # Given an agent's provider registered by the team, served over real HTTP
    context = call()
    router = team_router.router_for(TeamSettings())
    with fake_openai() as server:
        registered(context.team_id, "openai-main", server.url)
        dynamodb_calls.clear()

        # When the agent's calls are routed (the first builds the client, the second reuses it)
        requests = []
        for _ in range(2):
            routed = router.complete(context, Target("openai-main", "gpt-4o-mini"), REQUEST)
            requests.append(list(dynamodb_calls))
            dynamodb_calls.clear()

    # Then each costs one read (budget, breaker and the provider's configuration) and the
    # ledger's transaction, and the provider was called once per call
    assert requests == [[READ, LEDGER], [READ, LEDGER]]
    assert routed.target.provider == "openai-main"
    assert len(server.requests) == 2
    assert summary(context.team_id).total_calls == 2


def test_a_fallback_to_a_registered_provider_adds_no_read(
    dynamodb_calls: list[str], registered: Callable[[str, str, str], None]
) -> None:
    # Given a failing registered provider, and the team's fallback on another one
    context = call()
    router = team_router.router_for(TeamSettings(smart_model_fallback="backup:gpt-4o-mini"))
    with fake_openai() as failing, fake_openai() as backup:
        failing.script("POST", "/v1/chat/completions", Reply(503, {"error": {"message": "down"}}))
        registered(context.team_id, "primary", failing.url)
        registered(context.team_id, "backup", backup.url)
        dynamodb_calls.clear()

        # When a call falls back
        routed = router.complete(context, Target("primary", "gpt-4o-mini"), REQUEST)

    # Then both configurations came with the one read: the failure is counted on the
    # breaker as read, and the fallback's answer is recorded
    assert routed.target.provider == "backup"
    assert [attempt.outcome for attempt in routed.attempts] == ["failed", "answered"]
    assert dynamodb_calls == [READ, "UpdateItem", LEDGER]


def test_a_changed_provider_is_seen_by_the_next_routed_call(
    dynamodb_calls: list[str], registered: Callable[[str, str, str], None]
) -> None:
    from shared.llm import registry
    from shared.llm.registry import ProviderUpdate

    # Given a call answered by the registered provider's first server
    context = call()
    router = team_router.router_for(TeamSettings())
    with fake_openai() as first, fake_openai() as moved:
        registered(context.team_id, "openai-main", first.url)
        router.complete(context, Target("openai-main"), REQUEST)

        # When the provider is pointed at another server (by any container)
        registry.update(context.team_id, "openai-main", ProviderUpdate(base_url=f"{moved.url}/v1"))
        dynamodb_calls.clear()
        router.complete(context, Target("openai-main"), REQUEST)

    # Then the next call reads the new version in its batch and goes to the new server
    assert (len(first.requests), len(moved.requests)) == (1, 1)
    assert dynamodb_calls == [READ, LEDGER]

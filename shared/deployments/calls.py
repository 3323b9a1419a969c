"""A call of a deployed agent (`POST /rest/<friendly_name>`), in the order a call is
refused: unknown (404), an address the owning team's IP rules refuse (403), a
key-protected deployment without its key (401), over its rate
limit (429, Retry-After), over its monthly quota (429, Retry-After: the next month), then
the run in the sandbox (shared.sandbox.client: input and output checked against the
agent's schemas, 422 naming what failed) and the ledger.

Metering: every call that reached the sandbox is one entry in the owning team's cost
ledger (provider `rest`, model the friendly name, the agent; no tokens: running code counts
none, and none are made up), whatever the run's outcome; the model calls its `tools.llm`
made are the router's own entries (user `deployment:<name>`), with their tokens and cost.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.deployments import store
from shared.deployments.domain import Deployment
from shared.deployments.service import key_hash, month_of
from shared.errors import NotFound, RateLimited, Unauthorized
from shared.ids import new_id, utcnow
from shared.ip_rules import guard as ip_guard

LEDGER_PROVIDER = "rest"
RATE_SCOPE = "rest"
# The usage counters outlive their month by this much (then DynamoDB's TTL removes them).
USAGE_KEPT = timedelta(days=400)


def actor(friendly_name: str) -> str:
    """Who a deployment's calls are charged to in the ledger (a user id without '#')."""
    return f"deployment:{friendly_name}"


def _next_month(moment: datetime) -> datetime:
    first = moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def authorize(friendly_name: str, api_key: str | None, *, address: str) -> Deployment:
    """The deployment, if the caller may call it: NotFound when there is none by that
    name; Forbidden when the owning team's IP rules refuse `address`; Unauthorized when it
    is key-protected and `api_key` is not its key."""
    access = store.get_access(friendly_name)
    if access is None:
        raise NotFound(f"no deployed API named '{friendly_name}'")
    ip_guard.enforce(access.deployment.team_id, address)
    if not access.deployment.public:
        given = key_hash(api_key) if api_key else ""
        if access.key_hash is None or not hmac.compare_digest(given, access.key_hash):
            raise Unauthorized(
                "this API needs its key: X-API-Key or Authorization: Bearer <key>"
                if not api_key
                else "the API key is not this API's"
            )
    return access.deployment


def _admit(deployment: Deployment, now: datetime) -> None:
    """Count the call against the deployment's rate limit and monthly quota."""
    from shared.ratelimit import Limit

    limit = Limit(RATE_SCOPE, deployment.rate_limit_per_minute, 60)
    limit.hit(deployment.friendly_name, now.timestamp())
    counted = store.count_call(
        deployment.team_id,
        deployment.agent_id,
        month_of(now),
        deployment.monthly_quota,
        now + USAGE_KEPT,
    )
    if counted is None:
        resets = _next_month(now)
        raise RateLimited(
            int((resets - now).total_seconds()) + 1,
            f"the monthly quota of {deployment.monthly_quota} calls is used up; it resets "
            f"at {resets.isoformat().replace('+00:00', 'Z')}",
        )


def call(
    friendly_name: str,
    api_key: str | None,
    input_dict: Any,
    *,
    address: str,
    now: datetime | None = None,
) -> Any:
    """Run the deployed agent on `input_dict` for the caller at `address`; its result."""
    from shared.agents import store as agents
    from shared.sandbox.client import run_code

    deployment = authorize(friendly_name, api_key, address=address)
    moment = now or utcnow()
    _admit(deployment, moment)
    agent = agents.get_live_agent(deployment.team_id, deployment.agent_id)
    if agent is None or agent.code is None:  # cannot be while deployed; said plainly if so
        raise NotFound(f"no deployed API named '{friendly_name}'")
    try:
        run = run_code(
            team_id=deployment.team_id,
            actor=actor(friendly_name),
            code=agent.code,
            input_dict=input_dict,
            tools=agent.tools or (),
            input_schema=agent.input_schema,
            output_schema=agent.output_schema,
        )
    finally:
        _meter(deployment, moment)
    return run.result


def _meter(deployment: Deployment, moment: datetime) -> None:
    from shared.costs.calls import CallRecord
    from shared.costs.ledger import record_call

    record_call(
        CallRecord(
            team_id=deployment.team_id,
            user_id=actor(deployment.friendly_name),
            provider=LEDGER_PROVIDER,
            model=deployment.friendly_name,
            tokens_in=None,
            tokens_out=None,
            agent_id=deployment.agent_id,
            at=moment,
        ),
        call_id=f"rest-{new_id()}",
    )


def describe(friendly_name: str, api_key: str | None, *, address: str) -> dict[str, Any]:
    """The deployment's OpenAPI document (its key needed when it is key-protected)."""
    from shared.agents import store as agents
    from shared.deployments.openapi import document

    deployment = authorize(friendly_name, api_key, address=address)
    agent = agents.get_live_agent(deployment.team_id, deployment.agent_id)
    if agent is None:
        raise NotFound(f"no deployed API named '{friendly_name}'")
    return document(deployment, agent)

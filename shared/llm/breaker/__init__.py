"""Per-provider circuit breakers whose state lives in DynamoDB, so every Lambda instance agrees.

    closed ──threshold failures in a window──▶ open ──cooldown over──▶ half_open (one probe)
      ▲                                         ▲                          │
      └────────────── probe succeeded ──────────┼──────────────────────────┤
                                                └────── probe failed ──────┘

Each transition is an UpdateItem conditional on the version read (PynamoDB's default): of
many instances deciding the same transition exactly one wins, and the others re-read and
decide again. Three writes are conditioned on the state instead: counting a failure (an
atomic ADD while closed, on the last failure read: another instance's count meanwhile makes
it re-read and count on), opening at the threshold (while still closed on that count) and
resetting the count after a success. Only the winner of a transition publishes its event.

A failure counts on when its call began less than a window after the last counted one, so
failures that each took longer than the window (read timeouts) all count.

    policy.py       the policy (from a team's settings) and the answers: Decision, snapshot
    domain.py       the states, and the breaker as read (Breaker)
    models.py       the stored item
    store.py        the only reads and writes of it: items in, Breakers out
    transitions.py  the shared rules: cooldown wait, window, the transition event
    calls.py        what a routed call asks: allow, record_success, record_failure
    operator.py     what the routes do: state_of, states, force_open, force_close, reset
"""

from shared.llm.breaker.calls import allow, record_failure, record_success
from shared.llm.breaker.domain import CLOSED, HALF_OPEN, OPEN, Breaker, BreakerState
from shared.llm.breaker.operator import force_close, force_open, reset, state_of, states
from shared.llm.breaker.policy import (
    DEFAULT_POLICY,
    BreakerPolicy,
    BreakerSnapshot,
    Decision,
    policy_for,
)
from shared.llm.breaker.store import from_read, item_key

__all__ = [
    "CLOSED",
    "DEFAULT_POLICY",
    "HALF_OPEN",
    "OPEN",
    "Breaker",
    "BreakerPolicy",
    "BreakerSnapshot",
    "BreakerState",
    "Decision",
    "allow",
    "force_close",
    "force_open",
    "from_read",
    "item_key",
    "policy_for",
    "record_failure",
    "record_success",
    "reset",
    "state_of",
    "states",
]

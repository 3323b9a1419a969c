"""The check every group makes once it knows a request's team: may this address call?

Warm path: the team's rules, compiled (shared.ip_rules.matcher), are kept per container
for `FRESH_SECONDS`; a check is a dict lookup and one bisect. A change made through the
security routes is applied at once by the container that made it (it keeps the rules it
wrote) and by every other within `FRESH_SECONDS`. A team with no rules costs the same
single GetItem per window. When the rules cannot be read, the request fails (503): a
block rule is never skipped because storage was briefly unreachable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from starlette.concurrency import run_in_threadpool

from shared.errors import Forbidden
from shared.ip_rules.domain import IpRule
from shared.ip_rules.matcher import RuleSet
from shared.observability import logger

# How stale another container's copy of a team's rules may be: long enough that a busy
# container reads them a few times a minute, short enough that a block takes effect soon.
FRESH_SECONDS = 15.0
# Teams remembered per container; past it the cache starts over (rare, and cheap to refill).
MAX_TEAMS = 4096
REFUSED = "Requests from this address are not allowed for this team"

clock: Callable[[], float] = time.monotonic  # tests drive it
# team -> (its compiled rules, the clock reading they stop being fresh at)
_cache: dict[str, tuple[RuleSet, float]] = {}


def compile_rules(rules: Iterable[IpRule]) -> RuleSet:
    """Rules as stored (their networks normalized when they were written)."""
    return RuleSet.from_normalized((rule.cidr, rule.action) for rule in rules)


def fresh(team_id: str) -> RuleSet | None:
    """The team's rules if this container read them within FRESH_SECONDS; else None."""
    entry = _cache.get(team_id)
    if entry is not None and clock() < entry[1]:
        return entry[0]
    return None


def load(team_id: str) -> RuleSet:
    """Read and compile the team's rules, and keep them for FRESH_SECONDS."""
    from shared.ip_rules import store  # PynamoDB: not at import (cold start)

    compiled = compile_rules(store.get_rules(team_id).rules)
    remember(team_id, compiled)
    return compiled


def remember(team_id: str, compiled: RuleSet) -> None:
    if len(_cache) >= MAX_TEAMS and team_id not in _cache:
        _cache.clear()
    _cache[team_id] = (compiled, clock() + FRESH_SECONDS)


def forget(team_id: str | None = None) -> None:
    """Drop one team's copy (after changing its rules), or every copy."""
    if team_id is None:
        _cache.clear()
    else:
        _cache.pop(team_id, None)


def _refuse(team_id: str, address: str) -> Forbidden:
    logger.info("address refused by the team's IP rules", extra={"team_id": team_id, "ip": address})
    return Forbidden(REFUSED)


def enforce(team_id: str, address: str) -> None:
    """Forbidden (403) when the team's rules refuse `address`. Synchronous: for code that
    already runs off the event loop, or reads storage in line anyway."""
    compiled = fresh(team_id) or load(team_id)
    if not compiled.permits(address):
        raise _refuse(team_id, address)


async def enforce_async(team_id: str, address: str) -> None:
    """As `enforce`, reading storage (when the copy is stale) in the thread pool."""
    compiled = fresh(team_id)
    if compiled is None:
        compiled = await run_in_threadpool(load, team_id)
    if not compiled.permits(address):
        raise _refuse(team_id, address)

"""Changing a team's IP rules: the whole set, or one rule at a time; each change audited.

A change that would refuse the very address it comes from is refused (422): an admin
cannot lock the team out by mistake (an address that is no address, a local test
client's name, matches no rule: an allow-list would refuse it). Each network appears once
in a set; a change is conditioned on the set as read (a lost race is 409).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared import audit
from shared.errors import Conflict, NotFound, Unprocessable
from shared.ids import new_id, utcnow
from shared.ip_rules import guard, store
from shared.ip_rules.domain import IpRule, IpRules
from shared.ip_rules.matcher import Action, parse_network

# The bench's thousand, and a bound on the item's size (one DynamoDB item, < 400 KB).
MAX_RULES = 1000
MAX_DESCRIPTION = 100


@dataclass(frozen=True, slots=True)
class RuleInput:
    cidr: str
    action: Action
    description: str = ""


def rules(team_id: str) -> IpRules:
    return store.get_rules(team_id, consistent=True)


def _normalized(cidr: str, where: str) -> str:
    try:
        return str(parse_network(cidr))
    except ValueError as exc:
        raise Unprocessable(f"{where}: {exc}") from None


def _checked(wanted: Sequence[RuleInput], keep: Sequence[IpRule]) -> list[IpRule]:
    """`wanted` as rules, normalized; a rule already stored (same network and action)
    keeps its id and creation time. Unprocessable naming the first bad or repeated one."""
    if len(wanted) > MAX_RULES:
        raise Unprocessable(f"A team has at most {MAX_RULES} IP rules")
    stored = {(rule.cidr, rule.action): rule for rule in keep}
    seen: set[str] = set()
    built: list[IpRule] = []
    now = utcnow()
    for index, rule in enumerate(wanted):
        where = f"rules[{index}]"
        cidr = _normalized(rule.cidr, where)
        if cidr in seen:
            raise Unprocessable(f"{where}: {cidr} appears more than once")
        if len(rule.description) > MAX_DESCRIPTION:
            raise Unprocessable(f"{where}: the description is over {MAX_DESCRIPTION} characters")
        seen.add(cidr)
        old = stored.get((cidr, rule.action))
        built.append(
            IpRule(
                rule_id=old.rule_id if old else new_id(),
                cidr=cidr,
                action=rule.action,
                description=rule.description,
                created_at=old.created_at if old else now,
            )
        )
    return built


def _keeps_caller(new: Sequence[IpRule], address: str) -> None:
    if not guard.compile_rules(new).permits(address):
        raise Unprocessable(
            f"These rules would refuse your own address ({address}): allow it first, or make "
            "the change from an address they allow"
        )


def _save(team_id: str, new: list[IpRule], current: IpRules, actor: str) -> IpRules:
    saved = store.save_rules(team_id, new, version=current.version, by=actor, at=utcnow())
    # This container applies the change at once (an eventually consistent read right after
    # the write could still answer the old rules); the others within the window.
    guard.remember(team_id, guard.compile_rules(saved.rules))
    return saved


def replace(team_id: str, wanted: Sequence[RuleInput], *, actor: str, address: str) -> IpRules:
    """The team's rules become `wanted` (an empty list removes them all)."""
    current = store.get_rules(team_id, consistent=True)
    new = _checked(wanted, current.rules)
    _keeps_caller(new, address)
    saved = _save(team_id, new, current, actor)
    audit.record(
        team_id,
        "security.ip_rules.replace",
        actor=actor,
        ip=address,
        allow=sum(rule.action == "allow" for rule in new),
        block=sum(rule.action == "block" for rule in new),
    )
    return saved


def add(team_id: str, wanted: RuleInput, *, actor: str, address: str) -> IpRule:
    """One more rule; Conflict (409) when the team has a rule for that network already."""
    current = store.get_rules(team_id, consistent=True)
    cidr = _normalized(wanted.cidr, "cidr")
    taken = next((rule for rule in current.rules if rule.cidr == cidr), None)
    if taken is not None:
        raise Conflict(f"The team has a rule for {cidr} already ({taken.rule_id}): change that")
    new = _checked([*_inputs(current.rules), wanted], current.rules)
    _keeps_caller(new, address)
    _save(team_id, new, current, actor)
    added = new[-1]
    audit.record(
        team_id,
        "security.ip_rules.add",
        actor=actor,
        target=added.rule_id,
        ip=address,
        cidr=added.cidr,
        rule_action=added.action,
    )
    return added


def delete(team_id: str, rule_id: str, *, actor: str, address: str) -> None:
    current = store.get_rules(team_id, consistent=True)
    gone = next((rule for rule in current.rules if rule.rule_id == rule_id), None)
    if gone is None:
        raise NotFound("IP rule not found")
    new = [rule for rule in current.rules if rule.rule_id != rule_id]
    _keeps_caller(new, address)
    _save(team_id, new, current, actor)
    audit.record(
        team_id,
        "security.ip_rules.delete",
        actor=actor,
        target=rule_id,
        ip=address,
        cidr=gone.cidr,
        rule_action=gone.action,
    )


def _inputs(rules: Sequence[IpRule]) -> list[RuleInput]:
    return [RuleInput(rule.cidr, rule.action, rule.description) for rule in rules]

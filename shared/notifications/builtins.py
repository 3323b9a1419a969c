"""The rules every team has without storing anything: defined here, so a team made before
them (or before a new one is added) has them at once, with no migration.

Each tells the team's admins in the app. An admin changes one (disables it, adds channels
or recipients) with `PUT /notifications/rules/<id>`, which stores the team's version under
the same id; the notifier takes a stored version over the one here. A built-in's name,
event and filters are fixed, and it cannot be deleted (disabling is the way to stop it).
"""

from __future__ import annotations

from typing import Final

from shared.notifications.domain import RoleRecipient, Rule

# Ids name what they are; they cannot collide with a stored rule's (a ULID has no "-").
BUILTINS: Final[tuple[tuple[str, str, str], ...]] = (
    ("builtin-job-failed", "Job failed", "job.failed"),
    ("builtin-approval-waiting", "Approval waiting", "approval.requested"),
    ("builtin-budget-threshold", "Budget threshold crossed", "budget.threshold_crossed"),
    ("builtin-webhook-disabled", "Webhook endpoint disabled", "webhook.endpoint.disabled"),
    ("builtin-trigger-paused", "Trigger paused", "trigger.paused"),
)
IDS: Final = frozenset(rule_id for rule_id, _, _ in BUILTINS)
_ADMINS: Final = RoleRecipient(role="admin")


def builtin_rules(team_id: str) -> list[Rule]:
    """The team's built-in rules as defined here (before any change the team stored)."""
    return [
        Rule(
            id=rule_id,
            team_id=team_id,
            name=name,
            event=event,
            recipients=[_ADMINS],
            builtin=True,
        )
        for rule_id, name, event in BUILTINS
    ]


def builtin_rule(team_id: str, rule_id: str) -> Rule | None:
    return next((rule for rule in builtin_rules(team_id) if rule.id == rule_id), None)


def builtins_for(team_id: str, event_type: str) -> list[Rule]:
    """The built-ins whose event is exactly `event_type` (each names one type)."""
    return [rule for rule in builtin_rules(team_id) if rule.event == event_type]

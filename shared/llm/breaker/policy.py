"""What a breaker is told (its policy) and what it answers (a decision, a snapshot)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from shared.llm.breaker.domain import CLOSED, Breaker, BreakerState

if TYPE_CHECKING:
    from shared.team_settings import TeamSettings


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    failure_threshold: int = 5
    window_seconds: float = 60
    cooldown_seconds: float = 30

    def __post_init__(self) -> None:
        if self.failure_threshold < 1 or self.window_seconds <= 0 or self.cooldown_seconds <= 0:
            raise ValueError("a breaker needs a threshold of at least 1 and positive durations")


DEFAULT_POLICY = BreakerPolicy()


def policy_for(settings: TeamSettings) -> BreakerPolicy:
    """The team's breaker settings as a policy (the window is not a setting)."""
    return BreakerPolicy(
        failure_threshold=settings.breaker_failure_threshold,
        cooldown_seconds=settings.breaker_cooldown_seconds,
    )


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    state: BreakerState
    # Seconds until a call may be tried again when refused; None when allowed or held open
    # by an operator (no cooldown ends a forced breaker).
    retry_after: float | None = None
    # Failures counted in the breaker as read.
    failures: int = 0
    # The breaker as the decision left it (half-open once this call is the probe): what
    # the call's record_success or record_failure decides on without reading it again.
    breaker: Breaker | None = field(default=None, compare=False, repr=False)

    @property
    def clean(self) -> bool:
        """Closed with no failure counted: `record_success` would read and change nothing,
        so a caller may skip it after a success."""
        return self.state == CLOSED and self.failures == 0


class BreakerSnapshot(BaseModel):
    """A breaker as the /circuit-breakers routes show it."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    provider: str
    state: BreakerState
    failures: int = 0
    opened_at: datetime | None = None
    retry_after: float | None = None
    forced: bool = False
    last_error: str | None = None
    updated_at: datetime | None = None

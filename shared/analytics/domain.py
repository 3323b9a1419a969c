"""What the analytics code hands around: one day's (or a window's) task figures."""

from __future__ import annotations

from typing import NamedTuple


class DayFigures(NamedTuple):
    """Tasks created and ended over a day or a window, and what the ended ones cost.
    `run_ms` sums the run time of the `timed` ones (those that had started)."""

    created: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    tokens: int = 0
    cost_micros: int = 0
    run_ms: int = 0
    timed: int = 0

    def __add__(self, other: object) -> DayFigures:  # type: ignore[override]
        if not isinstance(other, DayFigures):
            return NotImplemented
        return DayFigures(*(a + b for a, b in zip(self, other, strict=True)))

    @property
    def ended(self) -> int:
        return self.completed + self.failed + self.cancelled

    @property
    def success_rate(self) -> float | None:
        """Completed over completed and failed (a cancel is nobody's failure); None: none."""
        decided = self.completed + self.failed
        return None if decided == 0 else round(self.completed / decided, 4)

    @property
    def avg_run_seconds(self) -> float | None:
        return None if self.timed == 0 else round(self.run_ms / self.timed / 1000, 3)

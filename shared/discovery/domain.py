"""What discovery code hands around: a run and what it found."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

RunStatus = Literal["queued", "running", "completed", "failed"]
TERMINAL: Final = ("completed", "failed")
MAX_TOP_K: Final = 10
MAX_IDEA_CHARS: Final = 400
MAX_THEME_CHARS: Final = 400
ERROR_CHARS: Final = 500
# The category a product made from an idea gets when the run names none.
DEFAULT_CATEGORY: Final = "ideas"


@dataclass(frozen=True, slots=True)
class Idea:
    """One idea of a run; with create_product, the product started from it (or why not)."""

    text: str
    product_id: str | None = None
    job_id: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DiscoveryRun:
    id: str
    team_id: str
    requested_by: str
    status: RunStatus
    top_k: int
    create_product: bool
    created_at: datetime
    updated_at: datetime
    theme: str | None = None
    category: str | None = None
    ideas: tuple[Idea, ...] = field(default_factory=tuple)
    provider: str | None = None
    model: str | None = None
    error: str | None = None
    version: int | None = None

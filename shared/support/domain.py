"""What the support code hands around: a session (a visitor's chat about one product) and
who said a message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

SupportStatus = Literal["open", "escalated", "closed"]
Author = Literal["customer", "agent", "staff"]

# The support token travels in this header on every call after the session's creation.
TOKEN_HEADER: Final = "X-AIF-Support-Token"  # noqa: S105 - a header's name
# A session's conversation belongs to this pseudo-user of the seller's team: no team
# member's conversation list shows it, and its model calls are recorded under it.
SUPPORT_USER_PREFIX: Final = "support:"
MAX_MESSAGE_CHARS: Final = 4000


def support_user(session_id: str) -> str:
    return f"{SUPPORT_USER_PREFIX}{session_id}"


@dataclass(frozen=True, slots=True)
class SupportSession:
    """A visitor's support chat about one product of a seller (`team_id`). Its messages
    are the seller team's chat conversation `id` (shared.chat), answered through the
    seller's router like any chat ticket."""

    id: str
    team_id: str
    product_id: str
    product_name: str
    status: SupportStatus
    created_at: datetime
    updated_at: datetime
    email: str | None = None
    escalation_reason: str | None = None
    # The SHA-256 of the support token (the token itself is shown once, at creation).
    token_digest: str = ""
    version: int | None = None

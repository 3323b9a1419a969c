"""What the AI Market code hands around: a capability, a payment channel, what a call of a
capability costs and what it answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

PROTOCOL: Final = "ai-market/1"
ChannelStatus = Literal["pending", "open", "closed"]
# The one capability of a listed product: its current release, bought (a download link).
DOWNLOAD: Final = "download"
# A team's public deployed agents are capabilities of the pid `agent-<team>`, each its
# friendly name (names are unique across the service).
AGENT_PID_PREFIX: Final = "agent-"
CHANNEL_HEADER: Final = "X-AI-Market-Channel"
TOKEN_HEADER: Final = "X-AI-Market-Token"  # noqa: S105 - a header's name
# A channel holds at least this much and at most this much (cents).
MIN_CHANNEL_CENTS: Final = 50
MAX_CHANNEL_CENTS: Final = 50_000


@dataclass(frozen=True, slots=True)
class Capability:
    """Something a machine may call: `pid` the product, `cid` what of it."""

    pid: str
    cid: str
    seller_id: str
    name: str
    description: str
    price_cents: int
    currency: str
    category: str
    quality_score: int
    input_schema: dict[str, Any] = field(default_factory=dict)
    # A download only reads; an agent's run may act on the world (its tools).
    read_only: bool = True

    @property
    def tool_name(self) -> str:
        return f"{self.pid}.{self.cid}"


def agent_pid(team_id: str) -> str:
    return f"{AGENT_PID_PREFIX}{team_id}"


@dataclass(frozen=True, slots=True)
class Quote:
    """What a call costs and where to pay: a 402's `payment`."""

    pid: str
    cid: str
    seller_id: str
    amount_cents: int
    currency: str


@dataclass(frozen=True, slots=True)
class Channel:
    """A prepaid balance with one seller, funded by one order through the seller's payment
    provider; each paid call takes its price from it, once per call's key."""

    id: str
    seller_id: str
    status: ChannelStatus
    amount_cents: int
    balance_cents: int
    currency: str
    created_at: datetime
    order_id: str | None = None
    checkout_url: str | None = None
    spent_cents: int = 0
    refunded_cents: int = 0
    token_digest: str = ""
    version: int | None = None


@dataclass(frozen=True, slots=True)
class Invocation:
    """A call of a capability: what it charged and what it answered."""

    pid: str
    cid: str
    charged_cents: int
    output: Any
    balance_cents: int | None
    replayed: bool = False

"""The AI Market's request and answer shapes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.market.domain import MAX_CHANNEL_CENTS, MIN_CHANNEL_CENTS, Channel
from shared.numbers import JSON_NUMBER
from shared.payments.schemas import Url

Usd = Annotated[
    float,
    Field(
        ge=MIN_CHANNEL_CENTS / 100,
        le=MAX_CHANNEL_CENTS / 100,
        multiple_of=0.01,
        allow_inf_nan=False,
    ),
    JSON_NUMBER,
]
Budget = Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False), JSON_NUMBER]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
StepId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\w.-]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class MarketRoot(BaseModel):
    protocol: str
    name: str
    description: str
    endpoints: dict[str, str]
    signing: dict[str, str]
    payment: dict[str, Any]


class MarketTool(BaseModel):
    name: str
    description: str
    inputSchema: dict[str, Any]
    annotations: dict[str, Any]
    pid: str
    cid: str
    seller_id: str
    category: str
    price_usd: float
    currency: str


class MarketManifest(BaseModel):
    protocol: str
    generated_at: str
    tools: list[MarketTool]
    next_cursor: str | None
    signature: str = Field(
        description="an ES256 JWT (the keys at /.well-known/jwks.json) whose "
        "`manifest_sha256` is the SHA-256 of this object without `signature`, as JSON with "
        "sorted keys and no spaces"
    )


class MarketDiscover(Strict):
    request: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    budget_usd: Budget | None = None
    limit: int = Field(default=5, ge=1, le=20)


class MarketPlanStep(MarketTool):
    why: str


class MarketPlan(BaseModel):
    request: str
    steps: list[MarketPlanStep]
    total_usd: float
    currency: str
    within_budget: bool


class MarketInvoke(Strict):
    input: dict[str, Any] = Field(
        default_factory=dict,
        description="an agent's input (its tool's inputSchema); a download takes none",
    )


class MarketInvokeAnswer(BaseModel):
    pid: str
    cid: str
    output: Any = Field(
        description="a download: {url, expires_in, product_id, release}; an agent: its output"
    )
    charged_usd: float
    balance_usd: float | None = Field(description="what the channel holds after the call")
    replayed: bool = Field(description="a call made again with its Idempotency-Key: not charged")


class MarketQuote(BaseModel):
    pid: str
    cid: str
    seller_id: str
    amount_usd: float
    currency: str
    channel_open: str


class MarketPaymentRequired(BaseModel):
    detail: str
    request_id: str
    payment: MarketQuote


class MarketChannelOpen(Strict):
    seller_id: Id
    amount_usd: Usd
    success_url: Url | None = None
    cancel_url: Url | None = None


class MarketChannelClose(Strict):
    channel_id: Id


class MarketChannel(BaseModel):
    channel_id: str
    seller_id: str
    status: Literal["pending", "open", "closed"]
    amount_usd: float
    balance_usd: float
    spent_usd: float
    refunded_usd: float
    currency: str
    checkout_url: str | None


class MarketChannelOpened(MarketChannel):
    token: str = Field(
        description="send it as X-AI-Market-Token with X-AI-Market-Channel; shown only here"
    )


class MarketPipelineStep(Strict):
    id: StepId
    pid: Id
    cid: Id
    input: dict[str, Any] = Field(default_factory=dict)
    depends_on: list[StepId] = Field(default_factory=list, max_length=50)


class MarketPipeline(Strict):
    steps: list[MarketPipelineStep] = Field(min_length=1, max_length=50)


class MarketBillStep(BaseModel):
    id: str
    pid: str
    cid: str
    name: str
    seller_id: str
    price_usd: float
    depends_on: list[str]


class MarketSellerTotal(BaseModel):
    seller_id: str
    total_usd: float


class MarketBill(BaseModel):
    steps: list[MarketBillStep]
    order: list[str]
    total_usd: float
    currency: str
    by_seller: list[MarketSellerTotal]


def channel_public(channel: Channel) -> MarketChannel:
    return MarketChannel(
        channel_id=channel.id,
        seller_id=channel.seller_id,
        status=channel.status,
        amount_usd=channel.amount_cents / 100,
        balance_usd=channel.balance_cents / 100,
        spent_usd=channel.spent_cents / 100,
        refunded_usd=channel.refunded_cents / 100,
        currency=channel.currency,
        checkout_url=channel.checkout_url,
    )

"""The AI Market v1 (seed 000): the crawl manifest, the signed tool catalog, plans from a
request, capability calls paid from payment channels (402 with what to pay, pay, call
again), channels and pipelines' bills of materials. Public: a machine has no account; a
channel's token is its credential. HTTP shapes only; the rules are shared.market's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Path, Request
from fastapi.responses import JSONResponse

from functions.ai_market.schemas import (
    MarketBill,
    MarketChannel,
    MarketChannelClose,
    MarketChannelOpen,
    MarketChannelOpened,
    MarketDiscover,
    MarketInvoke,
    MarketInvokeAnswer,
    MarketManifest,
    MarketPaymentRequired,
    MarketPipeline,
    MarketPlan,
    MarketRoot,
    channel_public,
)
from shared.app_factory import create_app, group_router
from shared.errors import error_responses, request_id_of
from shared.ids import utcnow
from shared.market import catalog, service
from shared.market.domain import CHANNEL_HEADER, PROTOCOL, TOKEN_HEADER
from shared.market.service import PaymentNeeded, PipelineStep
from shared.pagination import LIST_RESPONSES, Pagination
from shared.path_ids import IdPath
from shared.payments.schemas import provider_failures
from shared.ratelimit import Limit, client_ip

router = group_router(tags=["ai-market"])
CHANNEL_OPEN = "/ai-market/channel/open"
WELL_KNOWN = "/.well-known/ai-market.json"
# Opening a channel starts a checkout at the seller's provider; calls run for anyone.
OPENS_PER_IP = Limit("market-channel-ip", requests=10, window_seconds=3600)
CALLS_PER_IP = Limit("market-invoke-ip", requests=120, window_seconds=60)

# A listed product's id, or `agent-<team id>` for the team's public deployed agents.
PidPath = Annotated[
    str, Path(pattern=r"^([0-9A-HJKMNP-TV-Z]{26}|agent-[A-Za-z0-9_-]{1,64})$", max_length=70)
]
CapabilityPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[\w.-]+$")]
ChannelId = Annotated[str | None, Header(alias=CHANNEL_HEADER, max_length=64)]
ChannelToken = Annotated[str | None, Header(alias=TOKEN_HEADER, max_length=200)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]


async def _payment_needed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PaymentNeeded)
    quote = exc.quote
    body = MarketPaymentRequired.model_validate(
        {
            "detail": exc.detail,
            "request_id": request_id_of(request),
            "payment": {
                "pid": quote.pid,
                "cid": quote.cid,
                "seller_id": quote.seller_id,
                "amount_usd": quote.amount_cents / 100,
                "currency": quote.currency,
                "channel_open": CHANNEL_OPEN,
            },
        }
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=402)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get(WELL_KNOWN, response_model=MarketRoot, summary="The AI Market's crawl manifest")
async def well_known() -> MarketRoot:
    return MarketRoot(
        protocol=PROTOCOL,
        name="Software Factory AI Market",
        description="Code bases and web apps built by the factory's teams, and their "
        "deployed agents, bought and called by machines",
        endpoints={
            "manifest": "/ai-market/manifest",
            "discover": "/ai-market/discover",
            "invoke": "/capabilities/{pid}/{cid}/invoke",
            "channel_open": CHANNEL_OPEN,
            "channel_close": "/ai-market/channel/close",
            "channel": "/ai-market/channels/{channel_id}",
            "pipelines": "/ai-market/pipelines",
        },
        signing={
            "alg": "ES256",
            "jwks_uri": "/.well-known/jwks.json",
            "audience": catalog.audience(),
        },
        payment={
            "currency": "usd",
            "methods": ["channel"],
            "headers": {"channel": CHANNEL_HEADER, "token": TOKEN_HEADER},
        },
    )


@router.get(
    "/ai-market/manifest",
    response_model=MarketManifest,
    responses=LIST_RESPONSES,
    summary="The signed MCP tool catalog of the market's capabilities, a page at a time",
)
async def manifest(params: Pagination) -> dict[str, Any]:
    return catalog.manifest(params, utcnow())


@router.post(
    "/ai-market/discover",
    response_model=MarketPlan,
    responses=error_responses(422),
    summary="A plan for a request in words: the capabilities that fit it, within a budget",
)
async def discover(body: MarketDiscover) -> dict[str, Any]:
    budget = None if body.budget_usd is None else round(body.budget_usd * 100)
    return catalog.plan(body.request, budget, body.limit)


_INVOKE: dict[int | str, dict[str, Any]] = {
    402: {
        "model": MarketPaymentRequired,
        "description": "The call is paid: open a channel with the seller, pay it, call again",
    },
    **error_responses(401, 403, 404, 409, 422, 429, 503),
}
_INVOKE[401]["description"] = "The channel's token is missing or wrong"
_INVOKE[403]["description"] = "The agent's team does not allow calls from this address"
_INVOKE[404]["description"] = "No such capability in the market, or no such channel"
_INVOKE[409]["description"] = (
    "A call with this Idempotency-Key was being made meanwhile (or is running), or its "
    "agent's output was too large to keep for a replay"
)
_INVOKE[422]["description"] = (
    "The input does not match the agent's input schema, or the agent failed (the detail "
    "names why); a paid call that fails is not charged"
)
_INVOKE[429]["description"] = (
    "Over the per-address limit, or the agent's rate limit or monthly quota (Retry-After)"
)
_INVOKE[503]["description"] = (
    "The agent cannot run now: the sandbox did not answer, or its team's spending limit is reached"
)


@router.post(
    "/capabilities/{pid}/{cid}/invoke",
    response_model=MarketInvokeAnswer,
    responses=_INVOKE,
    summary="Call a capability; a paid one is paid from a payment channel with its seller",
)
async def invoke(
    pid: PidPath,
    cid: CapabilityPath,
    request: Request,
    body: MarketInvoke | None = None,
    channel: ChannelId = None,
    token: ChannelToken = None,
    idempotency_key: IdempotencyKey = None,
) -> MarketInvokeAnswer:
    CALLS_PER_IP.hit(client_ip(request))
    made = service.invoke(
        pid,
        cid,
        channel_id=channel,
        token=token,
        key=idempotency_key,
        input_dict=None if body is None else body.input,
        address=client_ip(request),
    )
    return MarketInvokeAnswer(
        pid=made.pid,
        cid=made.cid,
        output=made.output,
        charged_usd=made.charged_cents / 100,
        balance_usd=None if made.balance_cents is None else made.balance_cents / 100,
        replayed=made.replayed,
    )


# The seller's payment provider opens the checkout and makes the refund.
_OPEN = {**error_responses(404, 422, 429), **provider_failures()}
_OPEN[404]["description"] = "No seller with listed products or public deployed agents by that id"


@router.post(
    CHANNEL_OPEN,
    status_code=201,
    response_model=MarketChannelOpened,
    responses=_OPEN,
    summary="Open a payment channel with a seller: pay its checkout_url to fund it",
)
async def open_channel(body: MarketChannelOpen, request: Request) -> MarketChannelOpened:
    OPENS_PER_IP.hit(client_ip(request))
    channel, token = service.open_channel(
        body.seller_id,
        round(body.amount_usd * 100),
        success_url=body.success_url,
        cancel_url=body.cancel_url,
        base_url=_base(request),
        address=client_ip(request),
    )
    return MarketChannelOpened(**channel_public(channel).model_dump(), token=token)


_CHANNEL = error_responses(401, 404, 422)
_CHANNEL[401]["description"] = "The channel's token is missing or wrong"
_CHANNEL[404]["description"] = "No such channel"


@router.get(
    "/ai-market/channels/{channel_id}",
    response_model=MarketChannel,
    responses=_CHANNEL,
    summary="A payment channel: funded yet, what it holds",
)
async def get_channel(channel_id: IdPath, token: ChannelToken = None) -> MarketChannel:
    return channel_public(service.authorised_channel(channel_id, token))


_CLOSE = {**_CHANNEL, **error_responses(409), **provider_failures()}
_CLOSE[409]["description"] = (
    "The channel is not funded yet, or was spent from meanwhile (close it again)"
)


@router.post(
    "/ai-market/channel/close",
    response_model=MarketChannel,
    responses=_CLOSE,
    summary="Close a payment channel: what is left is refunded through its payment",
)
async def close_channel(
    body: MarketChannelClose, request: Request, token: ChannelToken = None
) -> MarketChannel:
    channel = service.authorised_channel(body.channel_id, token)
    closed = service.close_channel(channel, base_url=_base(request), address=client_ip(request))
    return channel_public(closed)


@router.post(
    "/ai-market/pipelines",
    response_model=MarketBill,
    responses=error_responses(422),
    summary="A pipeline of capabilities checked (a DAG) and its bill of materials",
)
async def pipelines(body: MarketPipeline) -> dict[str, Any]:
    steps = [PipelineStep(s.id, s.pid, s.cid, tuple(s.depends_on)) for s in body.steps]
    return service.bill_of_materials(steps)


app = create_app(
    "ai_market",
    router,
    root_aliases=(WELL_KNOWN,),
    root_prefixes=("ai-market", "capabilities"),
)
app.add_exception_handler(PaymentNeeded, _payment_needed)

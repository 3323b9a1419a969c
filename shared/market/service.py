"""The AI Market's rules: a capability call (free, or paid from a payment channel with its
seller, charged once per Idempotency-Key), channels opened through the seller's payment
provider and funded only by its confirmed payment, closed with what is left refunded, and
pipelines' bills of materials."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from graphlib import CycleError, TopologicalSorter
from typing import Any

from shared.deployments.domain import Deployment
from shared.errors import Conflict, NotFound, PaymentRequired, Unauthorized, Unprocessable
from shared.identity.opaque import digest, same
from shared.ids import new_id, utcnow
from shared.market import catalog, store
from shared.market.domain import (
    MAX_CHANNEL_CENTS,
    MIN_CHANNEL_CENTS,
    Capability,
    Channel,
    Invocation,
    Quote,
)
from shared.products.domain import Product

TOKEN_BYTES = 32
DOWNLOAD_URL_SECONDS = 900
KEPT_OUTPUT_CHARS = 256 * 1024


class PaymentNeeded(PaymentRequired):
    """A paid capability called without a channel that can pay: the 402 says what to pay."""

    def __init__(self, detail: str, quote: Quote) -> None:
        super().__init__(detail)
        self.quote = quote


def _quote(capability: Capability) -> Quote:
    return Quote(
        pid=capability.pid,
        cid=capability.cid,
        seller_id=capability.seller_id,
        amount_cents=capability.price_cents,
        currency=capability.currency,
    )


def _usd(cents: int) -> str:
    return f"${cents / 100:.2f}"


# Calls.


def _output(product: Product) -> dict[str, Any]:
    from shared.products import objects

    return {
        "url": objects.download_url(product, expires_in=DOWNLOAD_URL_SECONDS),
        "expires_in": DOWNLOAD_URL_SECONDS,
        "product_id": product.id,
        "release": product.release,
    }


def authorised_channel(channel_id: str, token: str | None) -> Channel:
    """The channel whose token this is: 404 for no such channel, 401 for a wrong token."""
    channel = store.get_channel(channel_id, consistent=True)
    if channel is None:
        raise NotFound("no such payment channel")
    if not token or not same(channel.token_digest, digest(token)):
        raise Unauthorized("the channel's token (X-AI-Market-Token) is missing or wrong")
    return channel


def invoke(
    pid: str,
    cid: str,
    *,
    channel_id: str | None,
    token: str | None,
    key: str | None,
    input_dict: Any = None,
    address: str = "",
) -> Invocation:
    """Call a capability. A free one answers at once; a paid one takes its price from the
    channel named (its seller's, open, holding enough: else 402 with the quote), once per
    `key`: a call made again with the same key answers again and pays nothing. An agent's
    call runs it as `POST /rest/<name>` does (its team's IP rules, rate limit, quota,
    sandbox and ledger); one that fails gives its price back."""
    capability, target = catalog.capability(pid, cid)
    price = capability.price_cents
    if price == 0:
        return Invocation(pid, cid, 0, _run(target, input_dict, address), None)
    quote = _quote(capability)
    if channel_id is None:
        raise PaymentNeeded(
            f"{capability.tool_name} costs {_usd(price)}: open a payment channel with its "
            "seller (POST /ai-market/channel/open), pay it, and call again with "
            "X-AI-Market-Channel and X-AI-Market-Token",
            quote,
        )
    channel = authorised_channel(channel_id, token)
    if channel.seller_id != capability.seller_id:
        raise PaymentNeeded("this channel pays another seller: open one with this seller", quote)
    call_key = key or new_id()
    previous = store.previous_call(channel.id, call_key)
    if previous is not None:
        return Invocation(
            pid, cid, 0, _replayed(target, previous.output), channel.balance_cents, replayed=True
        )
    balance = store.debit(channel, call_key, pid, cid, price)
    if balance is None:
        current = store.get_channel(channel.id, consistent=True) or channel
        if current.status == "pending":
            reason = "the channel is not funded yet: pay its checkout_url first"
        elif current.status == "closed":
            reason = "the channel is closed: open a new one"
        else:
            reason = (
                f"the channel holds {_usd(current.balance_cents)}; this call costs {_usd(price)}"
            )
        raise PaymentNeeded(reason, quote)
    if isinstance(target, Product):
        return Invocation(pid, cid, price, _output(target), balance)
    try:
        output = _run(target, input_dict, address)
    except Exception:
        store.undo_debit(channel, call_key, price)
        raise
    kept = json.dumps(output, separators=(",", ":"))
    # An item holds 400 KB: a larger output is answered but not kept ("" says so).
    store.keep_output(channel.id, call_key, kept if len(kept) <= KEPT_OUTPUT_CHARS else "")
    return Invocation(pid, cid, price, output, balance)


def _run(target: Product | Deployment, input_dict: Any, address: str) -> Any:
    if isinstance(target, Product):
        return _output(target)
    from shared.deployments import calls
    from shared.errors import BudgetExceeded, ServiceUnavailable

    try:
        return calls.call(target.friendly_name, None, input_dict or {}, address=address)
    except BudgetExceeded:
        # The seller's spending limit, not the caller's payment: the 402 of this route
        # says what to pay, which would not help.
        raise ServiceUnavailable(
            "the agent cannot run now: its team's spending limit is reached"
        ) from None


def _replayed(target: Product | Deployment, output: str | None) -> Any:
    """A paid call's answer again: a download's link made anew, an agent's output kept."""
    if isinstance(target, Product):
        return _output(target)
    if output is None:
        raise Conflict("a call with this Idempotency-Key is running: ask again in a moment")
    if not output:
        raise Conflict("this call's output was too large to keep for replays: it was answered once")
    return json.loads(output)


# Channels.


def open_channel(
    seller_id: str,
    amount_cents: int,
    *,
    success_url: str | None,
    cancel_url: str | None,
    base_url: str,
    address: str,
) -> tuple[Channel, str]:
    """A pending channel with `seller_id` and its checkout at the seller's provider; its
    token, shown once. Funded when the provider's signed event confirms the payment."""
    from shared.deployments import store as deployments
    from shared.payments import service as payments
    from shared.products.store import team_counts

    if not MIN_CHANNEL_CENTS <= amount_cents <= MAX_CHANNEL_CENTS:
        raise Unprocessable(
            f"a channel holds {_usd(MIN_CHANNEL_CENTS)} to {_usd(MAX_CHANNEL_CENTS)}"
        )
    if team_counts(seller_id)["listed"] == 0 and not deployments.has_public(seller_id):
        raise NotFound("no seller with listed products or public deployed agents by that id")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    channel = store.create_channel(
        Channel(
            id=new_id(),
            seller_id=seller_id,
            status="pending",
            amount_cents=amount_cents,
            balance_cents=0,
            currency="usd",
            created_at=utcnow(),
            token_digest=digest(token),
        )
    )
    order = payments.start_checkout(
        team_id=seller_id,
        purpose="channel",
        reference_id=channel.id,
        amount_cents=amount_cents,
        currency="usd",
        customer_id=None,
        description=f"AI Market payment channel {channel.id}",
        success_url=success_url,
        cancel_url=cancel_url,
        base_url=base_url,
        address=address,
    )
    funded = replace(channel, order_id=order.id, checkout_url=order.checkout_url)
    return store.save_channel(funded), token


def close_channel(channel: Channel, *, base_url: str = "", address: str = "") -> Channel:
    """Close the channel (nothing more is spent from it) and refund what is left through
    its order; closing again asks the same refund again (the provider applies it once)."""
    from shared.payments import service as payments
    from shared.payments import store as orders

    if channel.status == "pending":
        # Its checkout can still be paid: closed now, that payment would fund nothing and
        # be refunded by nobody. An unpaid checkout expires by itself.
        raise Conflict(
            "the channel is not funded yet: pay its checkout_url and close it then, or leave "
            "it (an unpaid checkout expires)"
        )
    if channel.status == "open":
        closed = store.close(channel, channel.balance_cents)
        if closed is None:
            raise Conflict("the channel was spent from meanwhile: close it again")
        channel = closed
    order = orders.get_order(channel.order_id) if channel.order_id else None
    if order is not None and order.status == "paid":
        left = min(channel.refunded_cents, order.amount_cents - order.refunded_cents)
        if left > 0:
            payments.refund(
                order,
                amount_cents=left,
                idempotency_key=f"close-{channel.id}",
                actor="ai-market",
                base_url=base_url,
                address=address,
            )
    return channel


# Funding, as the payments worker applies the provider's events.


def fund_for_order(order: Any) -> None:
    """A channel order paid: its channel opens with the amount, once."""
    store.fund(order.reference_id, order.id, order.amount_cents)


def refunded_order(order: Any) -> None:
    """A channel order refunded in full (the seller's refund, or the close's): nothing is
    left to spend."""
    if order.refunded_cents >= order.amount_cents:
        store.drain(order.reference_id)


# Pipelines.


@dataclass(frozen=True, slots=True)
class PipelineStep:
    id: str
    pid: str
    cid: str
    depends_on: tuple[str, ...]


def bill_of_materials(steps: list[PipelineStep]) -> dict[str, Any]:
    """The steps in an order that runs each after what it depends on, what each costs and
    the totals by seller; 422 naming an unknown dependency, a cycle, or a capability the
    market does not have."""
    ids = [step.id for step in steps]
    if len(set(ids)) != len(ids):
        raise Unprocessable("step ids must be distinct")
    known = set(ids)
    graph: dict[str, set[str]] = {}
    for step in steps:
        unknown = [d for d in step.depends_on if d not in known]
        if unknown:
            raise Unprocessable(f"step {step.id} depends on unknown step {unknown[0]}")
        graph[step.id] = set(step.depends_on)
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        cycle = " -> ".join(str(node) for node in exc.args[1])
        raise Unprocessable(f"the steps form a cycle: {cycle}") from None
    by_id = {step.id: step for step in steps}
    rows: list[dict[str, Any]] = []
    sellers: dict[str, int] = {}
    for step_id in order:
        step = by_id[step_id]
        try:
            capability, _ = catalog.capability(step.pid, step.cid)
        except NotFound:
            raise Unprocessable(
                f"step {step.id}: no capability {step.cid!r} of {step.pid!r} in the market"
            ) from None
        sellers[capability.seller_id] = sellers.get(capability.seller_id, 0) + (
            capability.price_cents
        )
        rows.append(
            {
                "id": step.id,
                "pid": step.pid,
                "cid": step.cid,
                "name": capability.name,
                "seller_id": capability.seller_id,
                "price_usd": capability.price_cents / 100,
                "depends_on": list(step.depends_on),
            }
        )
    return {
        "steps": rows,
        "order": order,
        "total_usd": sum(sellers.values()) / 100,
        "currency": "usd",
        "by_seller": [
            {"seller_id": seller, "total_usd": cents / 100} for seller, cents in sellers.items()
        ],
    }

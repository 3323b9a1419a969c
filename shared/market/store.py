"""Payment channels and their paid calls (keys in shared.market.models): the only module
of the area that touches the table."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.transactions import TransactWrite

from shared.db.base import get_or_none, insert, storage_errors
from shared.db.transactions import condition_failed, transact
from shared.errors import Conflict
from shared.ids import looks_like_id, utcnow
from shared.market.domain import Channel
from shared.market.models import (
    CHANNEL_SORT,
    ChannelItem,
    InvokeItem,
    channel_partition,
    invoke_key,
)


def _to_channel(item: ChannelItem) -> Channel:
    return Channel(
        id=item.channel_id,
        seller_id=item.team_id,
        status=item.status,  # type: ignore[arg-type]  # written from a ChannelStatus
        amount_cents=int(item.amount_cents),
        balance_cents=int(item.balance_cents),
        currency=item.currency,
        created_at=item.created_at,
        order_id=item.order_id,
        checkout_url=item.checkout_url,
        spent_cents=int(item.spent_cents or 0),
        refunded_cents=int(item.refunded_cents or 0),
        token_digest=item.token_digest,
        version=item.version,
    )


def _item(channel: Channel) -> ChannelItem:
    item = ChannelItem(
        channel_partition(channel.id),
        CHANNEL_SORT,
        team_id=channel.seller_id,
        channel_id=channel.id,
        status=channel.status,
        amount_cents=channel.amount_cents,
        balance_cents=channel.balance_cents,
        spent_cents=channel.spent_cents,
        refunded_cents=channel.refunded_cents,
        currency=channel.currency,
        order_id=channel.order_id,
        checkout_url=channel.checkout_url,
        token_digest=channel.token_digest,
        created_at=channel.created_at,
    )
    if channel.version is not None:
        item.version = channel.version
    return item


def create_channel(channel: Channel) -> Channel:
    return _to_channel(insert(_item(channel), "channel"))


def get_channel(channel_id: str, *, consistent: bool = False) -> Channel | None:
    if not looks_like_id(channel_id):
        return None
    item = get_or_none(
        ChannelItem, channel_partition(channel_id), CHANNEL_SORT, consistent=consistent
    )
    return None if item is None else _to_channel(item)


def save_channel(channel: Channel) -> Channel:
    """Save on the version `channel` was read at: a change meanwhile is Conflict (409)."""
    item = _item(channel)
    with storage_errors("channel"):
        item.save()
    return _to_channel(item)


def fund(channel_id: str, order_id: str, amount_cents: int) -> bool:
    """pending → open with its balance, for its own order only: whether this call funded
    it (False: funded before, as a redelivered event finds it)."""
    item = ChannelItem(channel_partition(channel_id), CHANNEL_SORT)
    try:
        with storage_errors("channel"):
            item.update(
                [
                    ChannelItem.status.set("open"),
                    ChannelItem.balance_cents.set(amount_cents),
                    ChannelItem.updated_at.set(utcnow()),
                ],
                condition=(ChannelItem.status == "pending") & (ChannelItem.order_id == order_id),
                add_version_condition=False,
            )
    except Conflict:
        return False
    return True


@dataclass(frozen=True, slots=True)
class PreviousCall:
    charged_cents: int
    # The agent's output as JSON (None: a download's call, or the agent is running).
    output: str | None


def previous_call(channel_id: str, key: str) -> PreviousCall | None:
    """The call made with this key (None: no such call)."""
    item = get_or_none(InvokeItem, channel_partition(channel_id), invoke_key(key), consistent=True)
    return None if item is None else PreviousCall(int(item.charged_cents), item.output)


def keep_output(channel_id: str, key: str, output: str) -> None:
    """The agent's output of the paid call under `key`, for its replays."""
    item = InvokeItem(channel_partition(channel_id), invoke_key(key))
    item.version = 0  # built from its keys, not read
    with storage_errors("channel"):
        item.update(
            [InvokeItem.output.set(output)],
            condition=InvokeItem.pk.exists(),
            add_version_condition=False,
        )


def undo_debit(channel: Channel, key: str, price_cents: int) -> None:
    """Give back what the call under `key` took and forget the call (the agent failed: a
    call is paid only for an answer; the same key may be tried again), in one transaction;
    nothing when the channel was closed meanwhile (its refund was asked for already)."""

    def write(transaction: TransactWrite) -> None:
        transaction.delete(
            InvokeItem(channel_partition(channel.id), invoke_key(key)),
            condition=InvokeItem.pk.exists() & InvokeItem.output.does_not_exist(),
            add_version_condition=False,
        )
        transaction.update(
            ChannelItem(channel_partition(channel.id), CHANNEL_SORT),
            [
                ChannelItem.balance_cents.add(price_cents),
                ChannelItem.spent_cents.add(-price_cents),
                ChannelItem.updated_at.set(utcnow()),
            ],
            condition=ChannelItem.status == "open",
            add_version_condition=False,
        )

    transact(write, what="channel")


def debit(channel: Channel, key: str, pid: str, cid: str, price_cents: int) -> int | None:
    """Take `price_cents` from an open channel and record the call under `key`, in one
    transaction: the balance left, or None when the channel is not open or holds too
    little. Conflict when a call with this key was recorded meanwhile."""

    def write(transaction: TransactWrite) -> None:
        transaction.save(
            InvokeItem(
                channel_partition(channel.id),
                invoke_key(key),
                team_id=channel.seller_id,
                pid=pid,
                cid=cid,
                charged_cents=price_cents,
            ),
            condition=InvokeItem.pk.does_not_exist(),
        )
        transaction.update(
            ChannelItem(channel_partition(channel.id), CHANNEL_SORT),
            [
                ChannelItem.balance_cents.add(-price_cents),
                ChannelItem.spent_cents.add(price_cents),
                ChannelItem.updated_at.set(utcnow()),
            ],
            condition=(ChannelItem.status == "open") & (ChannelItem.balance_cents >= price_cents),
            add_version_condition=False,
        )

    reasons = transact(write, what="channel")
    if not reasons:
        found = get_channel(channel.id, consistent=True)
        return None if found is None else found.balance_cents
    if condition_failed(reasons, 0):
        raise Conflict("a call with this Idempotency-Key was made meanwhile")
    return None


def close(channel: Channel, refunded_cents: int) -> Channel | None:
    """open → closed with its balance given back (the refund asked for): None when the
    channel moved meanwhile (a call spent from it: read it again)."""
    item = ChannelItem(channel_partition(channel.id), CHANNEL_SORT)
    try:
        with storage_errors("channel"):
            item.update(
                [
                    ChannelItem.status.set("closed"),
                    ChannelItem.balance_cents.set(0),
                    ChannelItem.refunded_cents.add(refunded_cents),
                    ChannelItem.updated_at.set(utcnow()),
                ],
                condition=(ChannelItem.status == "open")
                & (ChannelItem.balance_cents == channel.balance_cents),
                add_version_condition=False,
            )
    except Conflict:
        return None
    return get_channel(channel.id, consistent=True)


def drain(channel_id: str) -> None:
    """A refund the seller made of the whole funding: nothing is left to spend."""
    item = ChannelItem(channel_partition(channel_id), CHANNEL_SORT)
    with storage_errors("channel"):
        item.update(
            [
                ChannelItem.status.set("closed"),
                ChannelItem.balance_cents.set(0),
                ChannelItem.updated_at.set(utcnow()),
            ],
            condition=ChannelItem.pk.exists(),
            add_version_condition=False,
        )

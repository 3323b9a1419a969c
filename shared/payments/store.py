"""Orders, payment settings and the test provider's checkouts (keys in
shared.payments.models): the only module of the area that touches the table."""

from __future__ import annotations

from dataclasses import replace

from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from shared.db.base import counts_of, get_or_none, storage_errors, team_partition
from shared.db.query import query_page
from shared.db.transactions import transact
from shared.errors import Conflict
from shared.ids import looks_like_id
from shared.pagination import PageParams
from shared.payments.domain import HostedCheckout, Order, OrderStatus, PaymentSettings
from shared.payments.models import (
    CHECKOUT_SORT,
    CLAIM_SORT,
    COUNT_SORT,
    ORDER_SORT,
    SETTINGS_SORT,
    BuiltInCheckoutItem,
    BuiltInClaimItem,
    OrderItem,
    PaymentCountItem,
    PaymentSettingsItem,
    order_partition,
    team_orders,
    test_checkout_partition,
    test_claim_partition,
)


def _to_order(item: OrderItem) -> Order:
    return Order(
        id=item.order_id,
        team_id=item.team_id,
        purpose="channel" if item.purpose == "channel" else "product",
        reference_id=item.reference_id,
        customer_id=item.customer_id,
        amount_cents=int(item.amount_cents),
        currency=item.currency,
        description=item.description,
        provider="stripe" if item.provider == "stripe" else "test",
        created_at=item.created_at,
        status=item.status,  # type: ignore[arg-type]  # written from an OrderStatus
        refunded_cents=int(item.refunded_cents or 0),
        checkout_id=item.checkout_id,
        checkout_url=item.checkout_url,
        paid_at=item.paid_at,
        payment_id=item.payment_id,
        version=item.version,
    )


def _order_item(order: Order) -> OrderItem:
    item = OrderItem(
        order_partition(order.id),
        ORDER_SORT,
        team_id=order.team_id,
        order_id=order.id,
        purpose=order.purpose,
        reference_id=order.reference_id,
        customer_id=order.customer_id,
        amount_cents=order.amount_cents,
        currency=order.currency,
        description=order.description,
        provider=order.provider,
        status=order.status,
        refunded_cents=order.refunded_cents,
        checkout_id=order.checkout_id,
        checkout_url=order.checkout_url,
        paid_at=order.paid_at,
        payment_id=order.payment_id,
        created_at=order.created_at,
        gsi1pk=team_orders(order.team_id),
        gsi1sk=order.id,
    )
    if order.version is not None:
        item.version = order.version
    return item


def create_order(order: Order) -> Order:
    with storage_errors("order"):
        _order_item(order).save(condition=OrderItem.pk.does_not_exist())
    return replace(order, version=1)


def get_order(order_id: str) -> Order | None:
    if not looks_like_id(order_id):
        return None
    item = get_or_none(OrderItem, order_partition(order_id), ORDER_SORT, consistent=True)
    return _to_order(item) if item else None


def save_order(old: Order, new: Order, *, paid_cents: int = 0, refunded_cents: int = 0) -> Order:
    """Replace `old` (on the version read: Conflict otherwise) with `new`, and move the
    seller's counters by what the change paid or refunded, in one transaction."""

    def write(transaction: TransactWrite) -> None:
        transaction.save(_order_item(replace(new, version=old.version)))
        actions = []
        if paid_cents:
            actions += [PaymentCountItem.orders_paid.add(1)]
            actions += [PaymentCountItem.revenue_cents.add(paid_cents)]
        if refunded_cents:
            actions += [PaymentCountItem.refunded_cents.add(refunded_cents)]
        if actions:
            transaction.update(
                PaymentCountItem(team_partition(new.team_id), COUNT_SORT),
                actions=[*actions, PaymentCountItem.team_id.set(new.team_id)],
                add_version_condition=False,
            )

    if transact(write, what="order"):
        raise Conflict("the order changed meanwhile; read it again")
    return replace(new, version=(old.version or 0) + 1)


def list_team_orders(
    team_id: str, params: PageParams, *, status: OrderStatus | None = None
) -> tuple[list[Order], int, str | None]:
    condition: Condition | None = OrderItem.status == status if status else None
    items, total, cursor = query_page(
        OrderItem.by_team, team_orders(team_id), params, filter_condition=condition
    )
    return [_to_order(item) for item in items], total, cursor


def team_counts(team_id: str) -> dict[str, int]:
    names = ("orders_paid", "revenue_cents", "refunded_cents")
    return counts_of(PaymentCountItem, team_partition(team_id), COUNT_SORT, names)


# The team's payment settings.


def get_settings(team_id: str) -> PaymentSettings | None:
    item = get_or_none(PaymentSettingsItem, team_partition(team_id), SETTINGS_SORT)
    if item is None:
        return None
    return PaymentSettings(
        team_id=team_id,
        provider="stripe" if item.provider == "stripe" else "test",
        source_id=item.source_id,
        updated_at=item.updated_at,
        stripe_key_secret=item.stripe_key_secret,
        stripe_livemode=bool(item.stripe_livemode),
    )


def put_settings(settings: PaymentSettings, *, only_if_new: bool = False) -> bool:
    """Store the team's settings; with `only_if_new`, False when some are stored already."""
    item = PaymentSettingsItem(
        team_partition(settings.team_id),
        SETTINGS_SORT,
        team_id=settings.team_id,
        provider=settings.provider,
        source_id=settings.source_id,
        updated_at=settings.updated_at,
        stripe_key_secret=settings.stripe_key_secret,
        stripe_livemode=settings.stripe_livemode,
    )
    condition = PaymentSettingsItem.pk.does_not_exist() if only_if_new else None
    try:
        with storage_errors("payment settings"):
            item.save(condition=condition, add_version_condition=False)
    except Conflict:
        return False
    return True


# The built-in test provider's own records (it is the processor, so it keeps its checkouts).


def open_test_checkout(
    checkout_id: str,
    order: Order,
    *,
    idempotency_key: str,
    success_url: str,
    cancel_url: str,
) -> str:
    """Record a checkout for `order` once per idempotency key: the checkout id made under
    the key (this one, or the one a previous call with the same key made)."""

    def write(transaction: TransactWrite) -> None:
        transaction.save(
            BuiltInClaimItem(
                test_claim_partition(idempotency_key),
                CLAIM_SORT,
                team_id=order.team_id,
                checkout_id=checkout_id,
            ),
            condition=BuiltInClaimItem.pk.does_not_exist(),
        )
        transaction.save(
            BuiltInCheckoutItem(
                test_checkout_partition(checkout_id),
                CHECKOUT_SORT,
                team_id=order.team_id,
                checkout_id=checkout_id,
                order_id=order.id,
                amount_cents=order.amount_cents,
                currency=order.currency,
                description=order.description,
                status="open",
                success_url=success_url,
                cancel_url=cancel_url,
            ),
            condition=BuiltInCheckoutItem.pk.does_not_exist(),
        )

    if transact(write, what="checkout"):
        claim = get_or_none(BuiltInClaimItem, test_claim_partition(idempotency_key), CLAIM_SORT)
        if claim is None:
            raise Conflict("the checkout could not be recorded; try again")
        return claim.checkout_id
    return checkout_id


def test_checkout(checkout_id: str) -> HostedCheckout | None:
    if not checkout_id.startswith("cs_test_") or len(checkout_id) > 64:
        return None
    item = get_or_none(
        BuiltInCheckoutItem, test_checkout_partition(checkout_id), CHECKOUT_SORT, consistent=True
    )
    if item is None:
        return None
    return HostedCheckout(
        checkout_id=item.checkout_id,
        order_id=item.order_id,
        team_id=item.team_id,
        amount_cents=int(item.amount_cents),
        currency=item.currency,
        description=item.description,
        status="paid" if item.status == "paid" else "open",
        success_url=item.success_url,
        cancel_url=item.cancel_url,
    )


def mark_test_checkout_paid(checkout_id: str) -> bool:
    """open -> paid, once: False when it was paid already (a second click, a retry)."""
    item = BuiltInCheckoutItem(test_checkout_partition(checkout_id), CHECKOUT_SORT)
    try:
        with storage_errors("checkout"):
            item.update(
                actions=[BuiltInCheckoutItem.status.set("paid")],
                condition=BuiltInCheckoutItem.status == "open",
                add_version_condition=False,
            )
    except Conflict:
        return False
    return True


def claim_test_call(key: str, team_id: str, made_id: str) -> str:
    """The id a test-provider call made under idempotency `key` (this call's `made_id`
    when it is the first)."""
    try:
        with storage_errors("checkout"):
            BuiltInClaimItem(
                test_claim_partition(key), CLAIM_SORT, team_id=team_id, checkout_id=made_id
            ).save(condition=BuiltInClaimItem.pk.does_not_exist(), add_version_condition=False)
    except Conflict:
        claim = get_or_none(BuiltInClaimItem, test_claim_partition(key), CLAIM_SORT)
        return claim.checkout_id if claim else made_id
    return made_id

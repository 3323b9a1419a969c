"""Deployment storage (keys in shared.deployments.models): domain objects in and out.

DynamoDB per call:
  get_by_name, get_access   one GetItem (whatever the number of deployments)
  create                    one TransactWriteItems: the name item (must not exist) and the
                            agent marked deployed (must be live, hold code, not be deployed),
                            and a public one's AI Market index entries (market_store)
  delete                    one GetItem (the index words) and one TransactWriteItems: the
                            name item, the agent's mark and the index entries
  list_for_team             one Query on gsi1 (+ one Query with Select=COUNT)
  set_price                 one GetItem (the index words) and one TransactWriteItems: the
                            name item's price and its index entries'
  has_public                one Query on gsi1 (the team's list), to its first public one
  count_call                one conditional UpdateItem (ADD)
  calls_in                  one GetItem
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import UpdateError
from pynamodb.transactions import TransactWrite

from shared.agents import store as agents
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import query_page
from shared.db.transactions import condition_failed, transact
from shared.deployments import market_store
from shared.deployments.domain import Deployment, DeploymentAccess
from shared.deployments.models import (
    NAME_CLAIM,
    DeploymentItem,
    DeploymentUsageItem,
    name_key,
    team_list_key,
    usage_key,
)
from shared.errors import Conflict
from shared.pagination import PageParams


def _to_deployment(item: DeploymentItem) -> Deployment:
    return Deployment(
        friendly_name=item.friendly_name,
        team_id=item.team_id,
        agent_id=item.agent_id,
        public=item.public,
        url=item.url,
        monthly_quota=None if item.monthly_quota is None else int(item.monthly_quota),
        rate_limit_per_minute=int(item.rate_limit_per_minute),
        created_at=item.created_at,
        created_by=item.created_by,
        description=item.description or "",
        key_prefix=item.key_prefix,
        price_cents=int(item.price_cents or 0),
    )


def get_access(friendly_name: str) -> DeploymentAccess | None:
    """The deployment named `friendly_name` with its key's hash, or None (one GetItem)."""
    item = get_or_none(DeploymentItem, name_key(friendly_name), NAME_CLAIM)
    if item is None:
        return None
    return DeploymentAccess(_to_deployment(item), item.key_hash)


def get_by_name(friendly_name: str) -> Deployment | None:
    """The deployment named `friendly_name`, any team's, or None (one GetItem, never a
    scan): the caller checks the team when it must."""
    access = get_access(friendly_name)
    return None if access is None else access.deployment


def create(deployment: Deployment, key_hash: str | None) -> str | None:
    """Store the deployment and mark its agent deployed, both or neither. Conflict when
    the name is taken; "agent" when the agent's condition failed (not live, no code, or
    deployed already: the caller reads it to say which); None when stored."""
    name = deployment.friendly_name
    item = DeploymentItem(
        name_key(name),
        NAME_CLAIM,
        team_id=deployment.team_id,
        agent_id=deployment.agent_id,
        friendly_name=name,
        public=deployment.public,
        url=deployment.url,
        monthly_quota=deployment.monthly_quota,
        rate_limit_per_minute=deployment.rate_limit_per_minute,
        description=deployment.description,
        key_hash=key_hash,
        key_prefix=deployment.key_prefix,
        price_cents=deployment.price_cents,
        created_at=deployment.created_at,
        created_by=deployment.created_by,
        gsi1pk=team_list_key(deployment.team_id),
        gsi1sk=f"{deployment.created_at.isoformat()}#{name}",
    )

    def write(transaction: TransactWrite) -> None:
        if deployment.public:
            item.market_words = " ".join(market_store.words(deployment))
        # The name item first: its condition is reason 0 below.
        transaction.save(item, condition=DeploymentItem.pk.does_not_exist())
        if deployment.public:
            market_store.add(transaction, deployment)
        agents.mark_deployed(transaction, deployment.team_id, deployment.agent_id, name)

    # Reasons in DynamoDB's order: puts (the name item), then updates (the agent).
    reasons = transact(write, what="deployment")
    if condition_failed(reasons, 0):
        raise Conflict(f"the friendly name '{name}' is taken: choose another")
    return "agent" if reasons else None


def delete(team_id: str, agent_id: str, friendly_name: str) -> bool:
    """Remove the deployment and its agent's mark, both or neither. False when either is
    not as given (undeployed meanwhile). A public one leaves the AI Market's index with it."""
    found = get_or_none(DeploymentItem, name_key(friendly_name), NAME_CLAIM, consistent=True)
    if found is None:
        return False

    def write(transaction: TransactWrite) -> None:
        transaction.delete(
            DeploymentItem(name_key(friendly_name), NAME_CLAIM),
            condition=(DeploymentItem.team_id == team_id) & (DeploymentItem.agent_id == agent_id),
        )
        if found.public:
            held = tuple((found.market_words or "").split())
            market_store.remove(transaction, _to_deployment(found), held)
        agents.mark_undeployed(transaction, team_id, agent_id, friendly_name)

    return not transact(write, what="deployment")


def set_price(deployment: Deployment, price_cents: int) -> bool:
    """The deployment's price and its market index entries' together (one GetItem for the
    words, one TransactWriteItems); False when it is not as read (undeployed meanwhile)."""
    name = deployment.friendly_name
    found = get_or_none(DeploymentItem, name_key(name), NAME_CLAIM, consistent=True)
    if found is None or found.agent_id != deployment.agent_id:
        return False

    def write(transaction: TransactWrite) -> None:
        transaction.update(
            DeploymentItem(name_key(name), NAME_CLAIM),
            [DeploymentItem.price_cents.set(price_cents)],
            condition=(DeploymentItem.team_id == deployment.team_id)
            & (DeploymentItem.agent_id == deployment.agent_id),
        )
        if found.public:
            held = tuple((found.market_words or "").split())
            market_store.reprice(transaction, _to_deployment(found), held, price_cents)

    return not transact(write, what="deployment")


def list_for_team(team_id: str, params: PageParams) -> tuple[list[Deployment], int, str | None]:
    """The team's deployments, newest first: (page, total, next_cursor)."""
    items, total, cursor = query_page(DeploymentItem.by_team, team_list_key(team_id), params)
    return [_to_deployment(item) for item in items], total, cursor


def has_public(team_id: str) -> bool:
    """Whether the team has a public deployment: one Query of its list on gsi1 (a team's
    own deployments, whatever other teams hold), stopping at the first."""
    with storage_errors("deployment"):
        found = DeploymentItem.by_team.query(
            team_list_key(team_id),
            filter_condition=DeploymentItem.public == True,  # noqa: E712
        )
        return next(iter(found), None) is not None


def count_call(
    team_id: str, agent_id: str, month: str, quota: int | None, expires_at: datetime
) -> int | None:
    """Count one call of the agent's deployment in `month` (one UpdateItem, ADD): the
    calls so far, this one included; None (nothing counted) when `quota` calls were made
    already. The condition is checked by DynamoDB with the ADD, so concurrent calls never
    pass the quota together."""
    item = DeploymentUsageItem(team_partition(team_id), usage_key(agent_id, month))
    item.version = 0  # built from its keys, not read: ADD to whatever version is stored
    condition = None
    if quota is not None:
        condition = DeploymentUsageItem.calls.does_not_exist() | (DeploymentUsageItem.calls < quota)
    try:
        item.update(
            actions=[
                DeploymentUsageItem.team_id.set(team_id),
                DeploymentUsageItem.agent_id.set(agent_id),
                DeploymentUsageItem.calls.add(1),
                DeploymentUsageItem.expires_at.set(expires_at),
            ],
            condition=condition,
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        with storage_errors("deployment usage"):
            raise
    return int(item.calls)


def calls_in(team_id: str, agent_id: str, month: str) -> int:
    """The calls counted for the agent's deployment in `month` (one GetItem)."""
    item = get_or_none(DeploymentUsageItem, team_partition(team_id), usage_key(agent_id, month))
    return 0 if item is None else int(item.calls)

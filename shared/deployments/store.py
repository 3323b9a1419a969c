"""Deployment storage (keys in shared.deployments.models): domain objects in and out.

DynamoDB per call:
  get_by_name, get_access   one GetItem (whatever the number of deployments)
  create                    one TransactWriteItems: the name item (must not exist) and the
                            agent marked deployed (must be live, hold code, not be deployed)
  delete                    one TransactWriteItems: the name item and the agent's mark
  list_for_team             one Query on gsi1 (+ one Query with Select=COUNT)
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
        created_at=deployment.created_at,
        created_by=deployment.created_by,
        gsi1pk=team_list_key(deployment.team_id),
        gsi1sk=f"{deployment.created_at.isoformat()}#{name}",
    )

    def write(transaction: TransactWrite) -> None:
        transaction.save(item, condition=DeploymentItem.pk.does_not_exist())
        agents.mark_deployed(transaction, deployment.team_id, deployment.agent_id, name)

    # Reasons in DynamoDB's order: puts (the name item), then updates (the agent).
    reasons = transact(write, what="deployment")
    if condition_failed(reasons, 0):
        raise Conflict(f"the friendly name '{name}' is taken: choose another")
    return "agent" if reasons else None


def delete(team_id: str, agent_id: str, friendly_name: str) -> bool:
    """Remove the deployment and its agent's mark, both or neither. False when either is
    not as given (undeployed meanwhile)."""

    def write(transaction: TransactWrite) -> None:
        transaction.delete(
            DeploymentItem(name_key(friendly_name), NAME_CLAIM),
            condition=(DeploymentItem.team_id == team_id) & (DeploymentItem.agent_id == agent_id),
        )
        agents.mark_undeployed(transaction, team_id, agent_id, friendly_name)

    return not transact(write, what="deployment")


def list_for_team(team_id: str, params: PageParams) -> tuple[list[Deployment], int, str | None]:
    """The team's deployments, newest first: (page, total, next_cursor)."""
    items, total, cursor = query_page(DeploymentItem.by_team, team_list_key(team_id), params)
    return [_to_deployment(item) for item in items], total, cursor


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

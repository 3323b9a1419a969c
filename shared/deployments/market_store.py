"""The AI Market's index of PUBLIC deployments, across teams, in the agents table beside
the deployments it lists (a private deployment, behind its key, is never in it):

    pk = MARKETAGENT#ALL          sk = N#<created at>#<name>   every public deployment
    pk = MARKETAGENTWORD#<word>   sk = N#<created at>#<name>   each word of its name and
                                                               description
    (both: team, agent, name, description, price; ` w1 w2 ` its words)

Written only inside the deploy's and the undeploy's transactions (shared.deployments.store),
so the index never lists a deployment that is gone nor misses one that is there. A page of
the catalog is one Query of the ALL partition (newest first), a plan one Query per word:
no Scan, flat whatever the number of teams.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from shared.db.base import storage_errors, table_meta
from shared.db.query import prefix_page
from shared.deployments.domain import Deployment
from shared.pagination import PageParams
from shared.products.words import words_of

ALL_PARTITION: Final = "MARKETAGENT#ALL"
NEWEST: Final = "N#"
# Each public deployment is held under at most this many words (the transaction that
# deploys it holds the name item, the agent's mark, the ALL item and these: under 100).
MAX_WORDS: Final = 24


def word_partition(word: str) -> str:
    return f"MARKETAGENTWORD#{word}"


def _sort_key(deployment: Deployment) -> str:
    return f"{NEWEST}{deployment.created_at.isoformat()}#{deployment.friendly_name}"


class MarketAgentItem(Model):
    """One index entry of a public deployment (no version: written with the deploy, deleted
    with the undeploy, its price changed with the deployment's in one transaction)."""

    Meta = table_meta("agents")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    team_id = UnicodeAttribute()
    agent_id = UnicodeAttribute()
    friendly_name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    price_cents = NumberAttribute(default=0)
    words = UnicodeAttribute(default=" ")
    created_at = UTCDateTimeAttribute()


@dataclass(frozen=True, slots=True)
class MarketAgent:
    """A public deployment as the market sees it."""

    friendly_name: str
    team_id: str
    agent_id: str
    description: str
    price_cents: int
    created_at: datetime


def words(deployment: Deployment) -> tuple[str, ...]:
    """The words a public deployment is found by: its name's (hyphens split) and its
    description's."""
    return words_of(deployment.friendly_name, deployment.description, limit=MAX_WORDS)


def _item(partition: str, deployment: Deployment, found: tuple[str, ...]) -> MarketAgentItem:
    return MarketAgentItem(
        partition,
        _sort_key(deployment),
        team_id=deployment.team_id,
        agent_id=deployment.agent_id,
        friendly_name=deployment.friendly_name,
        description=deployment.description,
        price_cents=deployment.price_cents,
        words=f" {' '.join(found)} ",
        created_at=deployment.created_at,
    )


def add(transaction: TransactWrite, deployment: Deployment) -> None:
    """Add the public deployment's entries to the deploy's `transaction` (under `words`,
    which the deployment keeps for `remove`)."""
    found = words(deployment)
    for partition in (ALL_PARTITION, *(word_partition(word) for word in found)):
        transaction.save(_item(partition, deployment, found))


def remove(transaction: TransactWrite, deployment: Deployment, held: tuple[str, ...]) -> None:
    """Add deleting the deployment's entries (under the words `add` answered) to the
    undeploy's `transaction`."""
    for partition in (ALL_PARTITION, *(word_partition(word) for word in held)):
        transaction.delete(MarketAgentItem(partition, _sort_key(deployment)))


def reprice(
    transaction: TransactWrite, deployment: Deployment, held: tuple[str, ...], price_cents: int
) -> None:
    """Add setting the price of the deployment's entries to the `transaction` that changes
    the deployment's."""
    for partition in (ALL_PARTITION, *(word_partition(word) for word in held)):
        transaction.update(
            MarketAgentItem(partition, _sort_key(deployment)),
            [MarketAgentItem.price_cents.set(price_cents)],
            condition=MarketAgentItem.pk.exists(),
        )


def _agent(item: MarketAgentItem) -> MarketAgent:
    return MarketAgent(
        friendly_name=item.friendly_name,
        team_id=item.team_id,
        agent_id=item.agent_id,
        description=item.description or "",
        price_cents=int(item.price_cents or 0),
        created_at=item.created_at,
    )


def page(limit: int, cursor: str | None, offset: int = 0) -> tuple[list[MarketAgent], str | None]:
    """Public deployments, newest first, `limit` of them after `cursor` (this index's own,
    else BadRequest) or after `offset` of them: (page, next cursor)."""
    items, following = prefix_page(
        MarketAgentItem,
        ALL_PARTITION,
        NEWEST,
        PageParams(limit=limit, offset=offset, cursor=cursor),
    )
    return [_agent(item) for item in items], following


def under(word: str, limit: int) -> list[MarketAgent]:
    """The newest `limit` public deployments held under `word`: one Query."""
    with storage_errors("market agents"):
        items = list(
            MarketAgentItem.query(
                word_partition(word),
                MarketAgentItem.sk.startswith(NEWEST),
                scan_index_forward=False,
                limit=limit,
            )
        )
    return [_agent(item) for item in items]

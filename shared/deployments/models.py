"""How deployments are stored, in the agents table beside the agents they serve.

    pk = DEPLOYMENT#<friendly name>  sk = DEPLOYMENT   the deployment, under its name
         gsi1pk = TEAM#<team>#DEPLOYMENTS  gsi1sk = <created at>#<name>   the team's list
    pk = TEAM#<team>  sk = DEPLOYUSAGE#<agent>#<YYYY-MM>   calls that month (ADD only)

Why the agents table: a deployment is an agent's other face (its code, schemas and tools
are read from the agent at each call), and the deploy is one transaction across the two
items: the name item must not exist (names are unique across the service: its key is the
name, so DynamoDB checks that) and the agent must be live, hold code and not be deployed
already (it is marked `deployed_as`). Why the name item is keyed by name and not by team,
as the email claims are: `POST /rest/<name>` knows only the name, and its lookup is one
GetItem whatever the number of deployments. The team's list is a Query on gsi1
(eventually consistent, as any index: a deployment a moment old may be missing from it).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from shared.db.base import Gsi1Index, TeamItem, table_meta

NAME_CLAIM = "DEPLOYMENT"
USAGE_PREFIX = "DEPLOYUSAGE#"


def name_key(friendly_name: str) -> str:
    return f"DEPLOYMENT#{friendly_name}"


def team_list_key(team_id: str) -> str:
    return f"TEAM#{team_id}#DEPLOYMENTS"


def usage_key(agent_id: str, month: str) -> str:
    """`month`: YYYY-MM (UTC)."""
    return f"{USAGE_PREFIX}{agent_id}#{month}"


class DeploymentItem(Model):
    """A deployment, under its friendly name. Written once by the deploy and deleted by the
    undeploy; in between only its price changes (one conditional UpdateItem, with its
    market index entries), so it carries no version."""

    Meta = table_meta("agents")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=NAME_CLAIM)
    team_id = UnicodeAttribute()
    agent_id = UnicodeAttribute()
    friendly_name = UnicodeAttribute()
    public = BooleanAttribute()
    url = UnicodeAttribute()
    monthly_quota = NumberAttribute(null=True)
    rate_limit_per_minute = NumberAttribute()
    description = UnicodeAttribute(default="")
    key_hash = UnicodeAttribute(null=True)
    key_prefix = UnicodeAttribute(null=True)
    price_cents = NumberAttribute(default=0)
    # The words the AI Market's index holds it under, space-separated (public ones only),
    # so the undeploy deletes exactly those (shared.deployments.market_store).
    market_words = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()

    by_team: Gsi1Index[DeploymentItem] = Gsi1Index()


class DeploymentUsageItem(TeamItem):
    """Calls of one agent's deployment in one month: changed only by a conditional ADD."""

    Meta = table_meta("agents")

    agent_id = UnicodeAttribute()
    calls = NumberAttribute(default=0)

"""The rules of deployments: deploy a code agent under a friendly name unique across the
service, public or behind a key of its own (shown once), with a rate limit and a monthly
call quota; undeploy; read one; list the team's. Storage is shared.deployments.store.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.agents import store as agents
from shared.deployments import store
from shared.deployments.domain import Deployment
from shared.errors import Conflict, NotFound, Unprocessable
from shared.ids import utcnow
from shared.pagination import PageParams

DEFAULT_RATE_LIMIT_PER_MINUTE = 60
DEFAULT_MONTHLY_QUOTA = 10_000
KEY_PREFIX = "sfd_"
# A key's first characters answered with the deployment, to tell keys apart.
SHOWN_KEY_CHARS = 10
REST_PATH = "/api/v1/rest"
FRIENDLY_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True, slots=True)
class DeploySettings:
    friendly_name: str | None = None
    public: bool = False
    monthly_quota: int | None = DEFAULT_MONTHLY_QUOTA
    rate_limit_per_minute: int = DEFAULT_RATE_LIMIT_PER_MINUTE
    # A call's price through the AI Market (cents; 0: free). Public ones are listed there.
    price_cents: int = 0


@dataclass(frozen=True, slots=True)
class Deployed:
    deployment: Deployment
    # The key, only now (None: public).
    api_key: str | None


def key_hash(key: str) -> str:
    """How a deployment's key is stored: SHA-256 (a random 256-bit key needs no slow hash)."""
    return hashlib.sha256(key.encode()).hexdigest()


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def _default_name(agent_name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", agent_name.lower()).strip("-")[:63].strip("-")


def deploy(
    team_id: str, agent_id: str, actor: str, origin: str, settings: DeploySettings
) -> Deployed:
    """Deploy the team's code agent. NotFound: no such live agent; Unprocessable: it has no
    code, or no usable name; Conflict: the name is taken, or the agent is deployed."""
    agent = agents.get_live_agent(team_id, agent_id)
    if agent is None:
        raise NotFound("agent not found")
    if agent.code is None:
        raise Unprocessable("only an agent with code can be deployed: give it code first")
    name = settings.friendly_name or agent.friendly_name or _default_name(agent.name)
    if not FRIENDLY_NAME.fullmatch(name):
        raise Unprocessable(
            "friendly_name: name the deployment (lower-case letters, digits and hyphens)"
        )
    if agent.deployed_as is not None:
        raise Conflict(f"the agent is deployed already, as '{agent.deployed_as}'")
    key = None if settings.public else KEY_PREFIX + secrets.token_urlsafe(32)
    deployment = Deployment(
        friendly_name=name,
        team_id=team_id,
        agent_id=agent_id,
        public=settings.public,
        url=f"{origin}{REST_PATH}/{name}",
        monthly_quota=settings.monthly_quota,
        rate_limit_per_minute=settings.rate_limit_per_minute,
        created_at=utcnow(),
        created_by=actor,
        description=agent.description,
        key_prefix=None if key is None else key[:SHOWN_KEY_CHARS],
        price_cents=settings.price_cents,
    )
    if store.create(deployment, None if key is None else key_hash(key)) is not None:
        # The agent changed since it was read: deleted, its code removed, or deployed.
        current = agents.get_live_agent(team_id, agent_id)
        if current is None:
            raise NotFound("agent not found")
        if current.code is None:
            raise Unprocessable("only an agent with code can be deployed: give it code first")
        raise Conflict(f"the agent is deployed already, as '{current.deployed_as}'")
    return Deployed(deployment, key)


def _deployment_of(team_id: str, agent_id: str) -> Deployment:
    agent = agents.get_live_agent(team_id, agent_id)
    if agent is None:
        raise NotFound("agent not found")
    deployment = None if agent.deployed_as is None else store.get_by_name(agent.deployed_as)
    if deployment is None or deployment.team_id != team_id:
        raise NotFound("the agent is not deployed")
    return deployment


def undeploy(team_id: str, agent_id: str) -> None:
    """Remove the agent's deployment: its name is free again at once. NotFound when the
    agent is not there or not deployed."""
    deployment = _deployment_of(team_id, agent_id)
    if not store.delete(team_id, agent_id, deployment.friendly_name):
        raise NotFound("the agent is not deployed")


def change_price(team_id: str, agent_id: str, price_cents: int) -> Deployment:
    """Set the price of the agent's deployment's AI Market calls (its index entries with
    it). NotFound when the agent is not there or not deployed; Conflict when it was
    undeployed meanwhile."""
    deployment = _deployment_of(team_id, agent_id)
    if not store.set_price(deployment, price_cents):
        raise Conflict("the deployment was undeployed or changed meanwhile: read it again")
    return deployment.model_copy(update={"price_cents": price_cents})


def get_deployment(team_id: str, agent_id: str) -> tuple[Deployment, int]:
    """The agent's deployment and its calls this month (UTC)."""
    deployment = _deployment_of(team_id, agent_id)
    return deployment, store.calls_in(team_id, agent_id, month_of(utcnow()))


def list_deployments(team_id: str, params: PageParams) -> tuple[list[Deployment], int, str | None]:
    """The team's deployments, newest first: (page, total, next_cursor)."""
    return store.list_for_team(team_id, params)

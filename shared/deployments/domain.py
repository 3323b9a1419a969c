"""What the deployments' store hands out: a deployment (`Deployment`), and for the rest
group alone the hash of its key beside it (`DeploymentAccess`): the key is a credential,
which nothing else needs to see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Deployment(BaseModel):
    """A code agent of `team_id` served at `url` (`<api>/api/v1/rest/<friendly_name>`)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    friendly_name: str
    team_id: str
    agent_id: str
    public: bool
    url: str
    # Calls a calendar month (UTC) may make; None: no quota.
    monthly_quota: int | None
    rate_limit_per_minute: int
    created_at: datetime
    created_by: str | None = None
    description: str = ""
    # The key's first characters, to tell keys apart (None: public, no key).
    key_prefix: str | None = None
    # What a call costs through the AI Market (0: free); /rest calls are not charged.
    price_cents: int = 0


@dataclass(frozen=True, slots=True)
class DeploymentAccess:
    deployment: Deployment
    # SHA-256 of the deployment's key, hex (None: public).
    key_hash: str | None

"""Customers and their entitlements as the services see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

EntitlementSource = Literal["free", "order"]
# A customer's access token is short-lived; the refresh token renews it, once each.
ACCESS_TOKEN_SECONDS = 3600
REFRESH_TOKEN_SECONDS = 30 * 24 * 3600
# A presigned download of a release's ZIP.
DOWNLOAD_URL_SECONDS = 900


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    email: str
    name: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Entitlement:
    """A customer may download a product (every release of it) for as long as it stands."""

    customer_id: str
    product_id: str
    team_id: str
    source: EntitlementSource
    order_id: str | None
    granted_at: datetime


@dataclass(frozen=True, slots=True)
class Session:
    customer: Customer
    access_token: str
    refresh_token: str
    expires_in: int

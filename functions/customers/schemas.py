"""Customers' request and answer shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.customers.domain import Customer, Entitlement
from shared.identity.fields import EmailStr, NewPassword, OpaqueToken, Password


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class CustomerRegister(Strict):
    email: EmailStr
    password: NewPassword
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None


class CustomerLogin(Strict):
    email: EmailStr
    password: Password


class CustomerRefresh(Strict):
    refresh_token: OpaqueToken


class CustomerPublic(BaseModel):
    id: str
    email: str
    name: str | None
    created_at: datetime


class CustomerSession(BaseModel):
    customer: CustomerPublic
    access_token: str
    refresh_token: str = Field(
        description="renews the access token once; each use answers the next"
    )
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme's name
    expires_in: int = Field(description="seconds the access token is good for")


class EntitlementPublic(BaseModel):
    product_id: str
    seller_id: str
    source: Literal["free", "order"]
    order_id: str | None
    granted_at: datetime


class EntitlementClaim(Strict):
    product_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class DownloadLink(BaseModel):
    url: str
    expires_in: int


def customer_public(customer: Customer) -> CustomerPublic:
    return CustomerPublic(
        id=customer.id, email=customer.email, name=customer.name, created_at=customer.created_at
    )


def entitlement_public(entitlement: Entitlement) -> EntitlementPublic:
    return EntitlementPublic(
        product_id=entitlement.product_id,
        seller_id=entitlement.team_id,
        source=entitlement.source,
        order_id=entitlement.order_id,
        granted_at=entitlement.granted_at,
    )

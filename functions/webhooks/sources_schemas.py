"""Request and response shapes of /webhooks/sources (inbound webhook sources)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.hooks.domain import Scheme
from shared.request_fields import trimmed

SourceName = Annotated[str, trimmed(100)]
# An HTTP field name (RFC 9110 token).
HeaderName = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
]
# Printable ASCII without spaces: what senders let one paste as a signing secret.
GivenSecret = Annotated[
    str, StringConstraints(min_length=16, max_length=256, pattern=r"^[\x21-\x7e]+$")
]


# Standard Webhooks: whsec_ and the base64 of a key of at least 24 bytes.
StandardSecret = Annotated[
    str,
    StringConstraints(
        max_length=256,
        pattern=r"^whsec_(?:[A-Za-z0-9+/]{4}){8,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
    ),
]
_GIVEN = (
    "the sender's own signing secret when it issues one (Stripe's whsec_...); left out, one "
    "is generated"
)


class _SourceFields(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: SourceName


class StandardWebhooksSourceCreate(_SourceFields):
    """webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks 1.0)."""

    scheme: Literal["standard-webhooks"]
    secret: StandardSecret | None = Field(default=None, description=_GIVEN)


class GithubSourceCreate(_SourceFields):
    """X-Hub-Signature-256, X-GitHub-Delivery, X-GitHub-Event."""

    scheme: Literal["github"]
    secret: GivenSecret | None = Field(default=None, description=_GIVEN)


class StripeSourceCreate(_SourceFields):
    """Stripe-Signature with t= and v1=; the event's id and type."""

    scheme: Literal["stripe"]
    secret: GivenSecret | None = Field(default=None, description=_GIVEN)


class HmacSourceCreate(_SourceFields):
    """The named header holds the body's HMAC-SHA256 (hex or base64, `sha256=` optional)."""

    scheme: Literal["hmac-sha256"]
    header: HeaderName = Field(description="the header the signature is in")
    secret: GivenSecret | None = Field(default=None, description=_GIVEN)


# POST /webhooks/sources: what each scheme needs, told apart by `scheme`.
SourceCreate = Annotated[
    StandardWebhooksSourceCreate | GithubSourceCreate | StripeSourceCreate | HmacSourceCreate,
    Field(discriminator="scheme"),
]


class SourcePublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    scheme: Scheme
    header: str | None = None
    url: str = Field(description="where the sender posts: the public /hooks/{id} of this API")
    created_at: datetime


class SourceCreated(SourcePublic):
    secret: str = Field(description="the signing secret; shown only in this answer")


class InboundEventPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    type: str = Field(description="the sender's event type")
    received_at: datetime
    payload: Any = Field(
        default=None,
        description="the body received (parsed when it is JSON); null when it was too large "
        "to keep inline, then at payload_url",
    )
    payload_url: str | None = Field(
        default=None, description="a presigned URL of a large payload (valid 15 minutes)"
    )

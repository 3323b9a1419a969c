"""Request and response shapes of /webhooks/sources (inbound webhook sources)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

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


class SourceCreate(BaseModel):
    """POST /webhooks/sources."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: SourceName
    scheme: Scheme = Field(
        description="standard-webhooks (webhook-id/-timestamp/-signature), github "
        "(X-Hub-Signature-256), stripe (Stripe-Signature t= v1=), or hmac-sha256 (the named "
        "header holds the body's HMAC-SHA256, hex or base64)"
    )
    header: HeaderName | None = Field(
        default=None, description="hmac-sha256 only: the header the signature is in"
    )
    secret: GivenSecret | None = Field(
        default=None,
        description="the sender's own signing secret when it issues one (Stripe's whsec_...); "
        "left out, one is generated",
    )


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

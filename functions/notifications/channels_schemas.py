"""Request and response shapes of /notifications/channels.

A request names its `type` and gives that type's `config`, checked strictly (an unknown
field is 422). Secrets (a Slack or webhook URL, a Telegram bot token) are taken here and
never answered: answers show each as `<field>_hint`, masked. Each may instead be a vault
secret's name, `{{secrets.NAME}}`, whose value is put in at each send. On PUT a secret may be left
out to keep the stored one, unless the type changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)

from shared.notifications.channel_domain import ChannelType, DeliveryStatus
from shared.numbers import JSON_NUMBER
from shared.request_fields import omittable, trimmed

Name = Annotated[str, trimmed(100)]
# What the URL policy (shared.url_policy) accepts in its shape, as for webhook endpoints:
# http or https (deployed, https only, at a public address, which only a lookup can tell),
# a host name or IPv4 address, no credentials, a path and a query in printable ASCII, no
# fragment. (A group imports no other group's schemas: the webhooks' pattern, restated.)
URL_PATTERN = (
    r"^\s*[hH][tT][tT][pP][sS]?://[A-Za-z0-9.-]+"
    r"(?::(?:[0-9]{0,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
    r"(?:/[!-\"$->@-~]*)?(?:\?[!-\"$-~]*)?\s*$"
)
# A secret of the vault used by name instead of the value (shared.vault.references): the
# name must exist (422), the value is put in at each send.
VAULT_REFERENCE = r"^\{\{ ?secrets\.[A-Za-z][A-Za-z0-9_-]{0,99} ?\}\}$"
Url = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=2048, pattern=f"(?:{URL_PATTERN})|(?:{VAULT_REFERENCE})"
    ),
]
# An e-mail address as WHATWG defines it for <input type="email">, at most 254 characters,
# lower-cased (the accounts' rule, functions/auth/schemas.py).
EmailStr = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=254,
        pattern=r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
        r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$",
    ),
    AfterValidator(str.lower),
]
# Telegram's bot tokens: `<bot id>:<secret>` as @BotFather hands them out.
BotToken = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        pattern=f"(?:^[0-9]{{1,20}}:[A-Za-z0-9_-]{{20,100}}$)|(?:{VAULT_REFERENCE})",
    ),
]
# A chat's id (a number, negative for groups) or a public channel's @username.
ChatId = (
    Annotated[int, Field(ge=-(10**15), le=10**15), JSON_NUMBER]
    | Annotated[str, StringConstraints(pattern=r"^(-?[0-9]{1,16}|@[A-Za-z][A-Za-z0-9_]{3,31})$")]
)
Addresses = Annotated[list[EmailStr], Field(min_length=1, max_length=50)]
_STRICT = ConfigDict(extra="forbid", defer_build=True)


class InAppConfig(BaseModel):
    model_config = _STRICT


class EmailConfig(BaseModel):
    model_config = _STRICT

    to: Addresses | None = Field(
        default=None,
        description="where the e-mail goes; null or left out: the rule's recipients' addresses",
    )


class SlackConfig(BaseModel):
    model_config = _STRICT

    webhook_url: Url = Field(
        description="the Slack incoming webhook's URL (a secret: kept in Secrets Manager, "
        "answered masked); https at a public address when deployed"
    )


class TelegramConfig(BaseModel):
    model_config = _STRICT

    bot_token: BotToken = Field(description="the bot's token (a secret, answered masked)")
    chat_id: ChatId = Field(description="the chat the bot writes to: its id or @username")


class WebhookConfig(BaseModel):
    model_config = _STRICT

    url: Url = Field(
        description="where the signed notification is POSTed (a secret: it may carry a "
        "token); https at a public address when deployed"
    )


class SlackConfigUpdate(BaseModel):
    model_config = _STRICT

    webhook_url: Url = omittable(description="left out: the stored URL is kept")


class TelegramConfigUpdate(BaseModel):
    model_config = _STRICT

    bot_token: BotToken = omittable(description="left out: the stored token is kept")
    chat_id: ChatId


class WebhookConfigUpdate(BaseModel):
    model_config = _STRICT

    url: Url = omittable(description="left out: the stored URL is kept")


class _Channel(BaseModel):
    model_config = _STRICT

    name: Name
    enabled: StrictBool = True


class InAppChannel(_Channel):
    type: Literal["in_app"]
    config: InAppConfig = Field(default_factory=InAppConfig)


class EmailChannel(_Channel):
    type: Literal["email"]
    config: EmailConfig = Field(default_factory=EmailConfig)


class SlackChannel(_Channel):
    type: Literal["slack"]
    config: SlackConfig


class TelegramChannel(_Channel):
    type: Literal["telegram"]
    config: TelegramConfig


class WebhookChannel(_Channel):
    type: Literal["webhook"]
    config: WebhookConfig


class SlackChannelUpdate(_Channel):
    type: Literal["slack"]
    config: SlackConfigUpdate


class TelegramChannelUpdate(_Channel):
    type: Literal["telegram"]
    config: TelegramConfigUpdate


class WebhookChannelUpdate(_Channel):
    type: Literal["webhook"]
    config: WebhookConfigUpdate


ChannelCreate = Annotated[
    InAppChannel | EmailChannel | SlackChannel | TelegramChannel | WebhookChannel,
    Field(discriminator="type"),
]
ChannelReplace = Annotated[
    InAppChannel | EmailChannel | SlackChannelUpdate | TelegramChannelUpdate | WebhookChannelUpdate,
    Field(discriminator="type"),
]


class ChannelPublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    name: str
    type: ChannelType
    config: dict[str, Any] = Field(
        description="the config without its secrets: each secret as `<field>_hint`, masked"
    )
    enabled: bool
    created_at: datetime
    updated_at: datetime


class ChannelCreated(ChannelPublic):
    signing_secret: str | None = Field(
        default=None,
        description="webhook channels: the Standard Webhooks signing secret (whsec_...), "
        "shown only here; null for other types",
    )


class ChannelTestOutcome(BaseModel):
    model_config = ConfigDict(defer_build=True)

    delivery_id: str
    status: DeliveryStatus = Field(description="succeeded or failed (a test is one attempt)")
    response_code: int | None = Field(default=None, description="null: no answer, or e-mail")
    error: str | None = None

"""Notification channels for their team: create (secrets to Secrets Manager, a webhook
channel's signing secret made and shown once), read, replace, delete, and a test
notification sent now through the channel.

A channel's config splits in two: the settings that are no secret (an e-mail channel's
`to`, a Telegram chat id) stored on the item, and the secrets (shared.notifications
.channel_domain.SECRET_FIELDS), written as a new Secrets Manager version before the item
that names it, so a delivery always reads the secrets its item was written with.
"""

from __future__ import annotations

from typing import Any

from shared.db.versioned import update_versioned
from shared.errors import NotFound, Unprocessable
from shared.ids import new_id, utcnow
from shared.notifications import (
    channel_delivery,
    channel_delivery_store,
    channel_secrets,
    channel_senders,
    channel_store,
)
from shared.notifications.channel_domain import (
    GIVEN_SECRET_FIELDS,
    SECRET_FIELDS,
    Channel,
    ChannelDelivery,
    ChannelSecrets,
    ChannelType,
    Notification,
    Recipient,
)
from shared.observability import logger
from shared.pagination import PageParams
from shared.url_policy import check_url
from shared.webhooks import signing

# The secret fields that are URLs we will fetch: checked by the URL policy (422).
_URL_FIELDS = ("webhook_url", "url")


def _settings(channel_type: ChannelType, config: dict[str, Any]) -> dict[str, Any]:
    """The config fields that are no secret, as stored."""
    if channel_type == "email":
        return {"to": config.get("to")}
    if channel_type == "telegram":
        return {"chat_id": str(config["chat_id"])}
    return {}


def _given_secrets(
    team_id: str, channel_type: ChannelType, config: dict[str, Any]
) -> dict[str, str]:
    """The secrets the request gives, URLs checked (deployed: https to public addresses). A
    vault secret used by name (`{{secrets.NAME}}`) must exist (422); its URL is checked
    when it is put in, at each send."""
    given: dict[str, str] = {}
    for field in GIVEN_SECRET_FIELDS[channel_type]:
        value = config.get(field)
        if value is None:
            continue
        if _uses_vault(value):
            from shared.vault.references import require_known

            require_known(team_id, value, what=f"config.{field}")
        elif field in _URL_FIELDS:
            value = check_url(
                value,
                strict=channel_senders.strict_urls(),
                field=f"config.{field}",
                allow_query=True,
            )
        given[field] = value
    return given


def _uses_vault(value: str) -> bool:
    return "{{" in value and "secrets." in value


def _hints(secrets: dict[str, str]) -> dict[str, str]:
    # A vault secret's name is no secret: shown as given.
    return {
        field: value
        if _uses_vault(value)
        else channel_secrets.url_hint(value)
        if field in _URL_FIELDS
        else channel_secrets.token_hint(value)
        for field, value in secrets.items()
    }


def create_channel(
    team_id: str, name: str, channel_type: ChannelType, config: dict[str, Any], enabled: bool
) -> tuple[Channel, str | None]:
    """A new channel, and a webhook channel's signing secret (None for other types): the
    answer to this request is the only time it is shown."""
    secrets = _given_secrets(team_id, channel_type, config)
    signing_secret = None
    if channel_type == "webhook":
        signing_secret = signing.new_secret()
        secrets["signing_secret"] = signing_secret
    now = utcnow()
    channel = Channel(
        id=new_id(),
        team_id=team_id,
        name=name,
        type=channel_type,
        settings=_settings(channel_type, config),
        hints=_hints(secrets),
        enabled=enabled,
        created_at=now,
        updated_at=now,
    )
    if SECRET_FIELDS[channel_type]:
        version = channel_secrets.new_version()
        channel_secrets.store(team_id, channel.id, _secret_values(secrets), version=version)
        channel = channel.model_copy(update={"secret_version": version})
    try:
        return channel_store.create_channel(channel), signing_secret
    except Exception:
        if channel.secret_version is not None:
            channel_secrets.remove(team_id, channel.id)  # nothing names it
        raise


def _secret_values(secrets: dict[str, str]) -> ChannelSecrets:
    return ChannelSecrets.model_validate({"values": secrets})


def get_channel(team_id: str, channel_id: str) -> Channel:
    channel = channel_store.get_channel(team_id, channel_id)
    if channel is None:
        raise NotFound("channel not found")
    return channel


def list_channels(team_id: str, params: PageParams) -> tuple[list[Channel], int, str | None]:
    return channel_store.list_channels(team_id, params)


def _current(team_id: str, channel_id: str) -> Channel:
    """The channel as stored now (a consistent read, to change it on its version)."""
    found = channel_store.get_channel(team_id, channel_id, consistent=True)
    if found is None:
        raise NotFound("channel not found")
    return found


def replace_channel(
    team_id: str,
    channel_id: str,
    name: str,
    channel_type: ChannelType,
    config: dict[str, Any],
    enabled: bool,
) -> Channel:
    """The channel as the request says. A secret left out keeps the stored one when the
    type stays; a new type needs all of its own (422 naming the missing)."""
    given = _given_secrets(team_id, channel_type, config)

    def write(current: Channel) -> Channel:
        secrets = dict(given)
        kept_type = current.type == channel_type
        for field in SECRET_FIELDS[channel_type]:
            if field in secrets:
                continue
            if kept_type and current.secret_version is not None:
                stored = channel_secrets.read(team_id, channel_id, current.secret_version)
                secrets[field] = stored.get(field)
            elif field == "signing_secret":
                secrets[field] = signing.new_secret()
            else:
                raise Unprocessable(
                    f"config.{field} is required: the channel becomes a {channel_type} channel"
                )
        update: dict[str, Any] = {
            "name": name,
            "type": channel_type,
            "settings": _settings(channel_type, config),
            "hints": _hints(secrets),
            "enabled": enabled,
            "updated_at": utcnow(),
            "secret_version": None,
        }
        if secrets and (given or not kept_type or current.secret_version is None):
            version = channel_secrets.new_version()
            channel_secrets.store(team_id, channel_id, _secret_values(secrets), version=version)
            update["secret_version"] = version
        elif secrets:
            update["secret_version"] = current.secret_version
        saved = channel_store.save_channel(current.model_copy(update=update))
        if current.secret_version is not None and saved.secret_version is None:
            channel_secrets.remove(team_id, channel_id)  # a type with no secrets now
        return saved

    return update_versioned(lambda: _current(team_id, channel_id), write, what="channel")


def delete_channel(team_id: str, channel_id: str) -> None:
    """Delete the channel, then its secrets (recoverable for 7 days in Secrets Manager).
    Rules naming it skip it from then on; deliveries in flight find it gone."""

    update_versioned(
        lambda: _current(team_id, channel_id), channel_store.delete_channel, what="channel"
    )
    channel_secrets.remove(team_id, channel_id)


def send_test(team_id: str, channel_id: str, caller: Recipient | None) -> ChannelDelivery:
    """A test notification, attempted now through the channel (once, even when disabled:
    an admin tests before enabling). An e-mail channel without its own `to` writes to the
    caller's address."""
    channel = get_channel(team_id, channel_id)
    if channel.type == "in_app":
        raise Unprocessable("an in_app channel is the inbox: there is nothing to send a test to")
    now = utcnow()
    made = ChannelDelivery(
        id=new_id(),
        team_id=team_id,
        channel_id=channel.id,
        notification=Notification(
            kind="test",
            title="Test notification",
            body=f"A test of the channel {channel.name!r} from Software Factory.",
        ),
        recipients=[caller] if caller is not None else [],
        test=True,
        created_at=now,
    )
    channel_delivery_store.add_delivery(made)
    after = channel_delivery.attempt(made, 1, channel, retry=False)
    logger.info(
        "channel test sent",
        extra={"channel_id": channel.id, "delivery_id": made.id, "status": after.status},
    )
    return after

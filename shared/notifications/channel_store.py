"""Channels' storage: one item per channel under its team (keys in
shared.notifications.channel_models), each write conditioned on the version read;
`Channel` out. The secrets are not here (shared.notifications.channel_secrets)."""

from __future__ import annotations

from shared.db.base import get_or_none, insert, storage_errors, team_partition
from shared.db.query import query_page
from shared.db.versioned import lost_race
from shared.ids import looks_like_id
from shared.notifications.channel_domain import Channel
from shared.notifications.channel_models import CHANNEL_PREFIX, ChannelItem, channel_key
from shared.pagination import PageParams


def _to_channel(item: ChannelItem) -> Channel:
    return Channel(
        id=item.channel_id,
        team_id=item.team_id,
        name=item.name,
        type=item.channel_type,  # type: ignore[arg-type]  # written from a ChannelType
        settings=dict(item.settings or {}),
        hints=dict(item.hints or {}),
        enabled=item.enabled,
        created_at=item.created_at,
        updated_at=item.updated_at,
        secret_version=item.secret_version,
        version=item.version,
    )


def _item(channel: Channel) -> ChannelItem:
    item = ChannelItem(
        team_partition(channel.team_id),
        channel_key(channel.id),
        team_id=channel.team_id,
        channel_id=channel.id,
        name=channel.name,
        channel_type=channel.type,
        settings=channel.settings,
        hints=channel.hints,
        enabled=channel.enabled,
        secret_version=channel.secret_version,
        created_at=channel.created_at,
        updated_at=channel.updated_at,
    )
    if channel.version is not None:  # written on the version read (none: a new channel)
        item.version = channel.version
    return item


def get_channel(team_id: str, channel_id: str, *, consistent: bool = False) -> Channel | None:
    """The team's channel, or None (another team's, or no such id: the same answer)."""
    if not looks_like_id(channel_id):
        return None
    item = get_or_none(
        ChannelItem, team_partition(team_id), channel_key(channel_id), consistent=consistent
    )
    return None if item is None else _to_channel(item)


def create_channel(channel: Channel) -> Channel:
    """Store a new channel (Conflict if its id is taken, which a ULID never is)."""
    item = insert(_item(channel), "channel")
    return channel.model_copy(update={"version": item.version})


def list_channels(team_id: str, params: PageParams) -> tuple[list[Channel], int, str | None]:
    """The team's channels, oldest first: one Query on the CHANNEL# range (and a count)."""
    items, total, cursor = query_page(
        ChannelItem,
        team_partition(team_id),
        params,
        range_key_condition=ChannelItem.sk.startswith(CHANNEL_PREFIX),
        newest_first=False,
    )
    return [_to_channel(item) for item in items], total, cursor


def save_channel(after: Channel) -> Channel:
    """Write `after` on condition that the channel is still at the version it was read at
    (LostRace if not)."""
    item = _item(after)
    with lost_race(), storage_errors("channel"):
        item.save()  # PynamoDB conditions the save on the version read
    return after.model_copy(update={"version": item.version})


def delete_channel(channel: Channel) -> None:
    """Delete the channel as read (LostRace if it changed since). Its deliveries expire by
    TTL; its secrets are the caller's to remove."""
    with lost_race(), storage_errors("channel"):
        _item(channel).delete()

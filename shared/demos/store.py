"""Demo apps' storage (keys in shared.demos.models): the only module of the area that
touches the table; domain objects out."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pynamodb.transactions import TransactWrite

from shared.db import work_counters
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import prefix_page
from shared.db.transactions import transact
from shared.demos.domain import Demo, GeneratedCode, ModelConfig
from shared.demos.models import COUNT_KEY, DEMO_PREFIX, DemoItem, demo_key
from shared.errors import Conflict
from shared.ids import looks_like_id, utcnow
from shared.pagination import PageParams


def _to_demo(item: DemoItem) -> Demo:
    config = item.composer_config
    return Demo(
        team_id=item.team_id,
        id=item.demo_id,
        name=item.name,
        description=item.description or "",
        selected_apis=tuple(str(name) for name in item.selected_apis or ()),
        api_urls=tuple(str(url) for url in item.api_urls or ()),
        model_config=None
        if not config
        else ModelConfig(
            provider=str(config.get("provider", "")),
            model=str(config.get("model", "")),
            parameters=dict(config.get("parameters") or {}),
        ),
        user_prompt=item.user_prompt or "",
        generated_code=GeneratedCode(html=item.html or "", css=item.css or "", js=item.js or ""),
        composer_thoughts=item.composer_thoughts,
        created_by=item.created_by,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version or 0),
    )


def _fields(demo: Demo) -> dict[str, Any]:
    config = demo.model_config
    return {
        "name": demo.name,
        "description": demo.description,
        "selected_apis": list(demo.selected_apis),
        "api_urls": list(demo.api_urls),
        "composer_config": None
        if config is None
        else {"provider": config.provider, "model": config.model, "parameters": config.parameters},
        "user_prompt": demo.user_prompt,
        "html": demo.generated_code.html,
        "css": demo.generated_code.css,
        "js": demo.generated_code.js,
        "composer_thoughts": demo.composer_thoughts,
    }


def create_demo(demo: Demo) -> Demo:
    """The demo and the team's count, in one transaction."""
    item = DemoItem(
        team_partition(demo.team_id),
        demo_key(demo.id),
        team_id=demo.team_id,
        demo_id=demo.id,
        created_by=demo.created_by,
        created_at=demo.created_at,
        updated_at=demo.updated_at,
        **_fields(demo),
    )

    def write(transaction: TransactWrite) -> None:
        transaction.save(item, condition=DemoItem.pk.does_not_exist())
        work_counters.add(transaction, demo.team_id, COUNT_KEY, 1)

    if transact(write, what="demo"):
        raise Conflict("the demo was stored by another request")
    return replace(demo, version=1)


def get_demo(team_id: str, demo_id: str) -> Demo | None:
    if not looks_like_id(demo_id):
        return None
    item = get_or_none(DemoItem, team_partition(team_id), demo_key(demo_id))
    return None if item is None else _to_demo(item)


def count_demos(team_id: str) -> int:
    return work_counters.total(team_id, COUNT_KEY)


def list_demos(team_id: str, params: PageParams) -> tuple[list[Demo], int, str | None]:
    """The team's demos newest first (one Query of the prefix), the total from the count."""
    items, cursor = prefix_page(DemoItem, team_partition(team_id), DEMO_PREFIX, params)
    return [_to_demo(item) for item in items], count_demos(team_id), cursor


def replace_demo(demo: Demo) -> Demo | None:
    """Write `demo`'s content over the stored one, on condition that it is still there at
    the version it was read (None: deleted meanwhile; Conflict: changed meanwhile)."""
    keys = DemoItem(team_partition(demo.team_id), demo_key(demo.id))
    keys.version = demo.version  # PynamoDB conditions the update on it and adds one
    now = utcnow()
    actions = [
        getattr(DemoItem, name).remove() if value is None else getattr(DemoItem, name).set(value)
        for name, value in _fields(demo).items()
    ]
    actions.append(DemoItem.updated_at.set(now))
    try:
        with storage_errors("demo"):
            keys.update(actions, condition=DemoItem.pk.exists())
    except Conflict:
        if get_demo(demo.team_id, demo.id) is None:
            return None
        raise
    return replace(demo, updated_at=now, version=demo.version + 1)


def delete_demo(team_id: str, demo_id: str) -> bool:
    """Whether there was a demo to delete (the demo and the count in one transaction)."""
    if not looks_like_id(demo_id):
        return False

    def write(transaction: TransactWrite) -> None:
        transaction.delete(
            DemoItem(team_partition(team_id), demo_key(demo_id)),
            condition=DemoItem.pk.exists(),
            add_version_condition=False,
        )
        work_counters.add(transaction, team_id, COUNT_KEY, -1)

    return not transact(write, what="demo")

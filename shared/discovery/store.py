"""Discovery runs (keys in shared.discovery.models): the only module of the area that
touches the table."""

from __future__ import annotations

from typing import Any

from shared.db.base import get_or_none, insert, storage_errors, team_partition
from shared.db.query import query_page
from shared.discovery.domain import DiscoveryRun, Idea
from shared.discovery.models import RUN_PREFIX, DiscoveryRunItem, run_sort
from shared.ids import looks_like_id
from shared.pagination import PageParams


def _ideas(raw: Any) -> tuple[Idea, ...]:
    return tuple(
        Idea(
            text=str(entry.get("text", "")),
            product_id=entry.get("product_id"),
            job_id=entry.get("job_id"),
            error=entry.get("error"),
        )
        for entry in raw or ()
        if isinstance(entry, dict)
    )


def _to_run(item: DiscoveryRunItem) -> DiscoveryRun:
    return DiscoveryRun(
        id=item.run_id,
        team_id=item.team_id,
        requested_by=item.requested_by,
        status=item.status,  # type: ignore[arg-type]  # written from a RunStatus
        top_k=int(item.top_k),
        create_product=bool(item.create_product),
        created_at=item.created_at,
        updated_at=item.updated_at,
        theme=item.theme,
        category=item.category,
        ideas=_ideas(item.ideas),
        provider=item.provider,
        model=item.model,
        error=item.error,
        version=item.version,
    )


def _item(run: DiscoveryRun) -> DiscoveryRunItem:
    item = DiscoveryRunItem(
        team_partition(run.team_id),
        run_sort(run.id),
        team_id=run.team_id,
        run_id=run.id,
        requested_by=run.requested_by,
        status=run.status,
        top_k=run.top_k,
        create_product=run.create_product,
        theme=run.theme,
        category=run.category,
        ideas=[
            {
                k: v
                for k, v in (
                    ("text", i.text),
                    ("product_id", i.product_id),
                    ("job_id", i.job_id),
                    ("error", i.error),
                )
                if v is not None
            }
            for i in run.ideas
        ],
        provider=run.provider,
        model=run.model,
        error=run.error,
        created_at=run.created_at,
        updated_at=run.updated_at,
    )
    if run.version is not None:
        item.version = run.version
    return item


def create_run(run: DiscoveryRun) -> DiscoveryRun:
    return _to_run(insert(_item(run), "discovery run"))


def get_run(team_id: str, run_id: str) -> DiscoveryRun | None:
    """The team's run (None for another team's or an unknown id: the key holds the team)."""
    if not looks_like_id(run_id):
        return None
    item = get_or_none(DiscoveryRunItem, team_partition(team_id), run_sort(run_id), consistent=True)
    return None if item is None else _to_run(item)


def save_run(run: DiscoveryRun) -> DiscoveryRun:
    """Save on the version `run` was read at: another change meanwhile is Conflict."""
    item = _item(run)
    with storage_errors("discovery run"):
        item.save()
    return _to_run(item)


def list_runs(team_id: str, params: PageParams) -> tuple[list[DiscoveryRun], int, str | None]:
    """The team's runs, newest first: one Query on its DISCOVERY# range (and its count)."""
    items, total, cursor = query_page(
        DiscoveryRunItem,
        team_partition(team_id),
        params,
        range_key_condition=DiscoveryRunItem.sk.startswith(RUN_PREFIX),
    )
    return [_to_run(item) for item in items], total, cursor

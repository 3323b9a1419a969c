"""A team's products in figures, for the admin dashboard: one GetItem of its counters."""

from __future__ import annotations

from shared.products import store


def team_figures(team_id: str) -> dict[str, int | float]:
    counts = store.team_counts(team_id)
    return {
        "products_draft": counts["drafts"],
        "products_published": counts["published"],
        "products_listed": counts["listed"],
    }

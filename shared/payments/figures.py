"""A team's sales in figures, for the admin dashboard: one GetItem of its counters."""

from __future__ import annotations

from shared.payments import store


def team_figures(team_id: str) -> dict[str, int | float]:
    counts = store.team_counts(team_id)
    return {
        "orders_paid": counts["orders_paid"],
        "revenue_usd": round(counts["revenue_cents"] / 100, 2),
        "refunded_usd": round(counts["refunded_cents"] / 100, 2),
    }

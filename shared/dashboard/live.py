"""The dashboard's live figures: when something they count changes (an order paid, refunded
or ended; a product made, published or edited; a support session opened, escalated or
closed), the team's figures as they now stand go on the bus as `dashboard.metrics`. The
live_push worker sends them to the team's WebSocket connections subscribed to it (the
live metrics stream a dashboard keeps open), and webhooks and triggers can take them as
any event. The SSE route stays for clients without a socket.

Announcing never fails what changed: the figures are read after the change is stored, and
a failure to read or publish them is logged (the next change announces again)."""

from __future__ import annotations

from typing import Final

from shared.observability import logger

METRICS_EVENT: Final = "dashboard.metrics"


def announce(team_id: str) -> None:
    from shared import events
    from shared.dashboard.figures import public, team_figures

    try:
        figures = public(team_figures(team_id))
    except Exception:  # a counter read failed: the change itself is stored
        logger.exception("could not read the dashboard figures", extra={"team_id": team_id})
        return
    events.publish(METRICS_EVENT, {"team_id": team_id, **figures})

"""The webhooks group's app. The sources' router comes first: `/webhooks/sources` must
match before the outbound routes' `/webhooks/{id}` would take it."""

from __future__ import annotations

from functions.webhooks.sources_routes import router as sources_router
from shared.app_factory import create_app

app = create_app("webhooks", sources_router)

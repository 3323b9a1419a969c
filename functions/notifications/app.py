"""The notifications group's app: one router per part, served in this order.

- preferences: `/notifications/preferences` (each user's own)
- rules: `/notifications/rules[/{id}]` (admins)
- channels: `/notifications/channels[/{id}]` (admins)
- inbox: `/notifications`, unread count, read one or all (each user's own); last, since
  `/notifications/{id}/read` would take the paths above.
"""

from __future__ import annotations

from functions.notifications.channels_routes import router as channels_router
from functions.notifications.inbox_routes import router as inbox_router
from functions.notifications.preferences_routes import router as preferences_router
from functions.notifications.rules_routes import router as rules_router
from shared.app_factory import create_app

app = create_app(
    "notifications",
    preferences_router,
    rules_router,
    channels_router,
    inbox_router,
)

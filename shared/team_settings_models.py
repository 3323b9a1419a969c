"""Team settings' storage: one item per team, in the events table.

events table:  pk = TEAM#<team>   sk = SETTINGS   document = the settings the team set
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute

from shared.db.base import TeamItem, table_meta

SETTINGS_KEY = "SETTINGS"


class TeamSettingsItem(TeamItem):
    Meta = table_meta("events")

    document = JSONAttribute(default=dict)

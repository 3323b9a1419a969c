"""How a team's installs are stored, in the work table:

pk = TEAM#<team>  sk = MKTINSTALL#<template>   one install of a template: its parameters,
                                               the ids made so far by kind and key, the
                                               lease of the request making the rest, and
                                               when it was completed

Created with a put conditioned on the key being free (two first installs at once: one
wins), then every change conditioned on the version read.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shared.db.base import TeamItem, table_meta

INSTALL_PREFIX = "MKTINSTALL#"


def install_key(template_id: str) -> str:
    return f"{INSTALL_PREFIX}{template_id}"


class InstallItem(TeamItem):
    Meta = table_meta("work")

    template_id = UnicodeAttribute()
    status = UnicodeAttribute()
    parameters = JSONAttribute(default=dict)
    created = JSONAttribute(default=dict)
    installed_by = UnicodeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)
    installed_at = UTCDateTimeAttribute(null=True)

"""Projects' storage, in the jobs table beside the jobs they group (shared: the jobs group
writes them; the settings group counts them for its KPIs).

pk = TEAM#<team>   sk = PROJECT#<id>          the project (its fields as JSON)
                   sk = PROJECTSLUG#<slug>    claims a slug for one project
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from shared.db.base import TeamItem, table_meta


def project_key(project_id: str = "") -> str:
    return f"PROJECT#{project_id}"


def project_slug_key(slug: str) -> str:
    return f"PROJECTSLUG#{slug}"


class ProjectItem(TeamItem):
    Meta = table_meta("jobs")

    project_id = UnicodeAttribute()
    slug = UnicodeAttribute()
    document = JSONAttribute()


class ProjectSlugItem(TeamItem):
    Meta = table_meta("jobs")

    project_id = UnicodeAttribute()

"""How demo apps are stored, in the work table (every key under the team):

    pk = TEAM#<team>  sk = DEMO#<demo>       a demo: what was asked, the code (inline,
                                             capped), the API URLs its page may call
    pk = TEAM#<team>  sk = COUNT#DEMO        how many demos the team has (ADD only)

Demo ids are ULIDs, so the `DEMO#` prefix read backwards lists newest first; the count is
moved in the same transaction as each create and delete, so a page's total is one GetItem.
The page itself is an S3 object (shared.demos.pages), written from the item.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, ListAttribute, UnicodeAttribute

from shared.db.base import TeamItem, table_meta

DEMO_PREFIX = "DEMO#"
COUNT_KEY = "COUNT#DEMO"


def demo_key(demo_id: str = "") -> str:
    return f"{DEMO_PREFIX}{demo_id}"


class DemoItem(TeamItem):
    Meta = table_meta("work")

    demo_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    selected_apis = ListAttribute(of=UnicodeAttribute, default=list)
    api_urls = ListAttribute(of=UnicodeAttribute, default=list)
    composer_config = JSONAttribute(null=True)
    user_prompt = UnicodeAttribute(default="")
    html = UnicodeAttribute(default="")
    css = UnicodeAttribute(default="")
    js = UnicodeAttribute(default="")
    composer_thoughts = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()

"""How the knowledge base is stored, in the data table (every key under the team):

    pk = TEAM#<team>  sk = KB#<entry>      an entry (gsi1: TEAM#<team>#KBCAT#<category>,
                                           <entry>: the category's entries, newest first)
    pk = TEAM#<team>  sk = KBCOUNT         how many entries the team has (ADD only)
    pk = TEAM#<team>  sk = KBINDEX         the search index's version pointer

Entry ids are ULIDs, so the `KB#` prefix read backwards lists newest first; the count is
moved in the same transaction as each create and delete. The pointer is written only by
the team's index writer, on condition of the version it read.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from shared.db.base import Gsi1Index, TeamItem, table_meta

ENTRY_PREFIX = "KB#"
COUNT_KEY = "KBCOUNT"
INDEX_KEY = "KBINDEX"


def entry_key(entry_id: str = "") -> str:
    return f"{ENTRY_PREFIX}{entry_id}"


def category_key(team_id: str, category: str) -> str:
    return f"TEAM#{team_id}#KBCAT#{category}"


class EntryItem(TeamItem):
    Meta = table_meta("data")

    entry_id = UnicodeAttribute()
    title = UnicodeAttribute()
    content = UnicodeAttribute()
    category = UnicodeAttribute()
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    source = UnicodeAttribute(default="")
    created_by = UnicodeAttribute()
    by_category: Gsi1Index[EntryItem] = Gsi1Index()


class EntryCountItem(TeamItem):
    """How many entries the team has (only ever ADDed: its version stays unset)."""

    Meta = table_meta("data")

    total = NumberAttribute(default=0)


class IndexPointerItem(TeamItem):
    """The team's index: its base and delta segments' names (S3 objects), how many
    entries the delta changed, and the names they replaced (deleted at the next publish)."""

    Meta = table_meta("data")

    base_name = UnicodeAttribute()
    delta_name = UnicodeAttribute()
    delta_changes = NumberAttribute(default=0)
    previous = ListAttribute(of=UnicodeAttribute, default=list)

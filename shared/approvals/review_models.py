"""How code reviews are stored, in the work table (every key under the team):

    pk = TEAM#<team>  sk = REVIEW#<id>                               the review: files,
                                                                     summary, comment count
    pk = TEAM#<team>  sk = REVIEWS#ALL#<created>#<id>                its summary, newest
                                                                     first (GET /code-reviews)
    pk = TEAM#<team>  sk = REVIEWS#ST#<status>#<created>#<id>        ?status=
    pk = TEAM#<team>  sk = REVIEWS#AG#<agent>#<created>#<id>         ?agent_id=
    pk = TEAM#<team>  sk = REVIEWS#AGST#<agent>#<status>#<created>#<id>   both
    pk = TEAM#<team>  sk = REVIEWC#<id>#<comment>                    a comment (ULID: oldest
                                                                     first)
    pk = TEAM#<team>  sk = COUNT#REVIEW#<status>                     how many (ADD only)
    pk = TEAM#<team>  sk = COUNT#REVIEWAG#<agent>#<status>           how many of an agent's

A review's id is its source's (`job<ulid>`, `task<ulid>`), not time-ordered: the lists'
keys carry the creation time, so every list is one Query of one prefix, newest first,
whatever the filter, and its total comes from the counters. The review, its copies and the
counters change in one transaction conditioned on the review's status.
"""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.db.base import TeamItem, table_meta

REVIEW_PREFIX = "REVIEW#"


def review_key(review_id: str) -> str:
    return f"{REVIEW_PREFIX}{review_id}"


def all_key(created: str = "", review_id: str = "") -> str:
    return f"REVIEWS#ALL#{created}#{review_id}" if created else "REVIEWS#ALL#"


def status_key(status: str, created: str = "", review_id: str = "") -> str:
    prefix = f"REVIEWS#ST#{status}#"
    return f"{prefix}{created}#{review_id}" if created else prefix


def agent_key(agent_id: str, created: str = "", review_id: str = "") -> str:
    prefix = f"REVIEWS#AG#{agent_id}#"
    return f"{prefix}{created}#{review_id}" if created else prefix


def agent_status_key(agent_id: str, status: str, created: str = "", review_id: str = "") -> str:
    prefix = f"REVIEWS#AGST#{agent_id}#{status}#"
    return f"{prefix}{created}#{review_id}" if created else prefix


def comment_key(review_id: str, comment_id: str = "") -> str:
    return f"REVIEWC#{review_id}#{comment_id}"


def count_key(status: str) -> str:
    return f"COUNT#REVIEW#{status}"


def agent_count_key(agent_id: str, status: str) -> str:
    return f"COUNT#REVIEWAG#{agent_id}#{status}"


class _ReviewFields(TeamItem):
    """What the review and each of its list copies hold (the summary a list answers)."""

    review_id = UnicodeAttribute()
    status = UnicodeAttribute()
    source_kind = UnicodeAttribute()
    source_id = UnicodeAttribute()
    agent_id = UnicodeAttribute(null=True)
    title = UnicodeAttribute()
    file_count = NumberAttribute(default=0)
    decided_by = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    reason = UnicodeAttribute(null=True)


class ReviewItem(_ReviewFields):
    Meta = table_meta("work")

    summary = UnicodeAttribute(null=True)
    # [{path, language, content, size, truncated}], capped (shared.approvals.review_domain).
    files = JSONAttribute(default=list)
    comment_count = NumberAttribute(default=0)


class ReviewListItem(_ReviewFields):
    """A copy of the review's summary under a list's key (no files: lists stay small)."""

    Meta = table_meta("work")


class ReviewCommentItem(TeamItem):
    Meta = table_meta("work")

    review_id = UnicodeAttribute()
    comment_id = UnicodeAttribute()
    author_kind = UnicodeAttribute()
    author_id = UnicodeAttribute(null=True)
    body = UnicodeAttribute()
    path = UnicodeAttribute(null=True)
    line = NumberAttribute(null=True)


class ReviewCounterItem(TeamItem):
    """How many of the team's reviews (or of one agent's) have one status (only ADDed)."""

    Meta = table_meta("work")

    total = NumberAttribute(default=0)

"""How files are stored, in the data table (every key under the team):

    pk = TEAM#<team>  sk = FILE#<file>      a file whose bytes are in S3: name, type, size,
                                            object key, what it belongs to;
                                            gsi1pk = FILES#<team>#TASK#<task> (or #JOB#<job>),
                                            gsi1sk = <file>: a task's or a job's files
    pk = TEAM#<team>  sk = UPLOAD#<file>    a presigned upload not completed yet: the same
                                            fields, no index keys, and a TTL (expires_at)
    pk = TEAM#<team>  sk = COUNT#FILES      how many files the team has (ADD only)

A pending upload is an item of its own, not a file with a status: the team's list and
the task's and job's lists (Queries on the FILE# prefix and on gsi1) hold files that exist
and nothing else, and an upload abandoned expires by TTL without a count to correct. The
bytes are at `<team>/files/<file>` in the artifacts bucket: the key holds no name a
caller chose. Ids are ULIDs, so each list read backwards is newest first.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shared.db.base import Gsi1Index, TeamItem, table_meta

FILE_PREFIX = "FILE#"
UPLOAD_PREFIX = "UPLOAD#"
COUNT_KEY = "COUNT#FILES"


def file_key(file_id: str = "") -> str:
    return f"{FILE_PREFIX}{file_id}"


def upload_key(file_id: str) -> str:
    return f"{UPLOAD_PREFIX}{file_id}"


def task_files(team_id: str, task_id: str) -> str:
    return f"FILES#{team_id}#TASK#{task_id}"


def job_files(team_id: str, job_id: str) -> str:
    return f"FILES#{team_id}#JOB#{job_id}"


class FileItem(TeamItem):
    """A file (sk FILE#) or a pending upload (sk UPLOAD#)."""

    Meta = table_meta("data")
    by_parent: Gsi1Index[FileItem] = Gsi1Index()

    file_id = UnicodeAttribute()
    name = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    object_key = UnicodeAttribute()
    task_id = UnicodeAttribute(null=True)
    job_id = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()
    uploaded_at = UTCDateTimeAttribute(null=True)


class FileCountItem(TeamItem):
    """How many files the team has (only ever ADDed: its version stays unset)."""

    Meta = table_meta("data")

    total = NumberAttribute(default=0)

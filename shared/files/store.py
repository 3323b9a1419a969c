"""Files' metadata (keys in shared.files.models): the only module of the area that touches
the table; domain objects out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from pynamodb.transactions import TransactWrite

from shared.db.base import get_or_none, insert, team_partition
from shared.db.batch import ItemKey, get_many
from shared.db.query import prefix_page, query_page
from shared.db.transactions import transact
from shared.files.domain import Attachment, StoredFile
from shared.files.models import (
    COUNT_KEY,
    FILE_PREFIX,
    FileCountItem,
    FileItem,
    file_key,
    job_files,
    task_files,
    upload_key,
)
from shared.ids import looks_like_id
from shared.pagination import PageParams


def _to_file(item: FileItem) -> StoredFile:
    return StoredFile(
        team_id=item.team_id,
        id=item.file_id,
        name=item.name,
        content_type=item.content_type,
        size=int(item.size),
        status="available" if item.sk.startswith(FILE_PREFIX) else "pending",
        attachment=Attachment(task_id=item.task_id, job_id=item.job_id),
        object_key=item.object_key,
        created_by=item.created_by,
        created_at=item.created_at,
        uploaded_at=item.uploaded_at,
        expires_at=item.expires_at,
    )


def _parent_key(team_id: str, attachment: Attachment) -> str | None:
    """The gsi1 partition of what a file belongs to (None: nothing)."""
    if attachment.task_id:
        return task_files(team_id, attachment.task_id)
    if attachment.job_id:
        return job_files(team_id, attachment.job_id)
    return None


def _item(file: StoredFile, sort_key: str) -> FileItem:
    # Only a file is listed under its task or job; a pending upload is found by id alone.
    parent = _parent_key(file.team_id, file.attachment) if file.status == "available" else None
    return FileItem(
        team_partition(file.team_id),
        sort_key,
        team_id=file.team_id,
        file_id=file.id,
        name=file.name,
        content_type=file.content_type,
        size=file.size,
        object_key=file.object_key,
        task_id=file.attachment.task_id,
        job_id=file.attachment.job_id,
        created_by=file.created_by,
        created_at=file.created_at,
        uploaded_at=file.uploaded_at,
        expires_at=file.expires_at,
        gsi1pk=parent,
        gsi1sk=file.id if parent else None,
    )


def _count(transaction: TransactWrite, team_id: str, delta: int) -> None:
    transaction.update(
        FileCountItem(team_partition(team_id), COUNT_KEY),
        actions=[FileCountItem.total.add(delta), FileCountItem.team_id.set(team_id)],
        add_version_condition=False,
    )


def create_upload(file: StoredFile) -> StoredFile:
    """A pending upload: found by id, never listed, forgotten at `expires_at`."""
    insert(_item(file, upload_key(file.id)), "upload")
    return file


def get_upload(team_id: str, file_id: str) -> StoredFile | None:
    if not looks_like_id(file_id):
        return None
    item = get_or_none(FileItem, team_partition(team_id), upload_key(file_id), consistent=True)
    return None if item is None else _to_file(item)


def get_file(team_id: str, file_id: str) -> StoredFile | None:
    if not looks_like_id(file_id):
        return None
    item = get_or_none(FileItem, team_partition(team_id), file_key(file_id), consistent=True)
    return None if item is None else _to_file(item)


def get_files(team_id: str, file_ids: Sequence[str]) -> dict[str, StoredFile]:
    """The team's files among `file_ids` (at most 100), by id, in one BatchGetItem; ids
    with no file of the team are absent."""
    keys: dict[ItemKey, str] = {
        (FileItem, team_partition(team_id), file_key(file_id)): file_id
        for file_id in file_ids
        if looks_like_id(file_id)
    }
    found = get_many(list(keys)) if keys else {}
    return {keys[key]: _to_file(item) for key, item in found.items()}


def add_file(file: StoredFile) -> bool:
    """Store an available file and count it, in one transaction (False: stored already)."""

    def write(transaction: TransactWrite) -> None:
        transaction.save(_item(file, file_key(file.id)), condition=FileItem.pk.does_not_exist())
        _count(transaction, file.team_id, 1)

    return not transact(write, what="file")


def complete_upload(pending: StoredFile, size: int, uploaded_at: datetime) -> StoredFile | None:
    """The pending upload becomes the file it uploaded (`size` bytes), counted, in one
    transaction; None when another request completed (or deleted) it first."""
    file = replace(pending, status="available", size=size, uploaded_at=uploaded_at, expires_at=None)

    def write(transaction: TransactWrite) -> None:
        transaction.delete(
            FileItem(team_partition(pending.team_id), upload_key(pending.id)),
            condition=FileItem.pk.exists(),
            add_version_condition=False,
        )
        transaction.save(_item(file, file_key(file.id)), condition=FileItem.pk.does_not_exist())
        _count(transaction, file.team_id, 1)

    return None if transact(write, what="file") else file


def count_files(team_id: str) -> int:
    item = get_or_none(FileCountItem, team_partition(team_id), COUNT_KEY)
    return 0 if item is None else max(int(item.total or 0), 0)


def list_files(
    team_id: str, attachment: Attachment, params: PageParams
) -> tuple[list[StoredFile], int, str | None]:
    """The team's files newest first, or a task's or a job's (a Query of the FILE# prefix,
    or of gsi1 under the parent), with the total."""
    parent = _parent_key(team_id, attachment)
    if parent is None:
        items, cursor = prefix_page(FileItem, team_partition(team_id), FILE_PREFIX, params)
        total = count_files(team_id)
    else:
        items, total, cursor = query_page(FileItem.by_parent, parent, params)
    return [_to_file(item) for item in items], total, cursor


def delete_file(team_id: str, file_id: str) -> bool:
    """Whether there was a file to delete (it and the count in one transaction)."""

    def write(transaction: TransactWrite) -> None:
        transaction.delete(
            FileItem(team_partition(team_id), file_key(file_id)),
            condition=FileItem.pk.exists(),
            add_version_condition=False,
        )
        _count(transaction, team_id, -1)

    return not transact(write, what="file")


def delete_upload(team_id: str, file_id: str) -> bool:
    """Whether there was a pending upload to forget."""

    def write(transaction: TransactWrite) -> None:
        transaction.delete(
            FileItem(team_partition(team_id), upload_key(file_id)),
            condition=FileItem.pk.exists(),
            add_version_condition=False,
        )

    return not transact(write, what="upload")

"""A team's index segments as files: immutable S3 objects, a new name per publish, and their
copies in this container's /tmp.

    s3://<artifacts>/<team>/knowledge-index/<name>.sqlite    a segment: `base-<ulid>` or
                                                             `delta-<ulid>`, a new name
                                                             per publish

A published object never changes, so a copy in /tmp is good for as long as the pointer
names it: readers check the pointer (one GetItem) and download only what changed (the
small delta on most writes). The writer deletes a segment one publish after it was
replaced; a reader that lost that race reads the pointer again (`Gone`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from botocore.exceptions import ClientError

from shared.aws import client
from shared.settings import get_settings

# Where copies live: Lambda's writable /tmp (its size is the function's ephemeral storage).
CACHE_ROOT = Path(os.environ.get("KNOWLEDGE_CACHE_DIR") or tempfile.gettempdir()) / "knowledge"


class Gone(Exception):
    """The object a pointer named was deleted since it was read: read the pointer again."""


def new_name(kind: str) -> str:
    """A segment's name: its kind ("base" or "delta") and an id of its own."""
    from shared.ids import new_id

    return f"{kind}-{new_id()}"


def object_key(team_id: str, name: str) -> str:
    return f"{team_id}/knowledge-index/{name}.sqlite"


def team_dir(team_id: str) -> Path:
    """The team's cache directory (a hash: a team id is never a path)."""
    digest = hashlib.sha256(team_id.encode()).hexdigest()[:32]
    path = CACHE_ROOT / digest
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_path(team_id: str, name: str) -> Path:
    return team_dir(team_id) / f"{name}.sqlite"


def fetch(team_id: str, name: str) -> Path:
    """The segment's local copy, downloaded unless this container has it; copies of other
    segments of its kind are removed (/tmp is small)."""
    path = local_path(team_id, name)
    if not path.exists():
        partial = path.with_suffix(".part")
        try:
            client("s3").download_file(
                get_settings().artifacts_bucket, object_key(team_id, name), str(partial)
            )
        except ClientError as exc:
            partial.unlink(missing_ok=True)
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise Gone(object_key(team_id, name)) from exc
            raise
        partial.replace(path)  # whole or not at all, for a reader in another thread
    _prune(team_id, keep=name)
    return path


def _prune(team_id: str, keep: str) -> None:
    """Other copies of `keep`'s kind removed (an open connection keeps reading its file)."""
    kind = keep.split("-", 1)[0]
    for old in team_dir(team_id).glob(f"{kind}-*.sqlite"):
        if old.name != f"{keep}.sqlite":
            old.unlink(missing_ok=True)


def upload(team_id: str, name: str, path: Path) -> None:
    """Publish the file at `path` as the segment `name` and keep it as the local copy."""
    client("s3").upload_file(
        str(path),
        get_settings().artifacts_bucket,
        object_key(team_id, name),
        ExtraArgs={"ContentType": "application/vnd.sqlite3"},
    )
    path.replace(local_path(team_id, name))


def delete(team_id: str, names: tuple[str, ...]) -> None:
    """Remove superseded segments' objects (a reader of one reads the pointer again)."""
    if names:
        client("s3").delete_objects(
            Bucket=get_settings().artifacts_bucket,
            Delete={"Objects": [{"Key": object_key(team_id, name)} for name in names]},
        )

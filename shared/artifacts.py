"""A job's artifacts in S3, every key under its team and job:

    <team>/<job>/documents/<name>.md     what the document phases wrote (brief, requirements, ...)
    <team>/<job>/reports/<phase>.json    what qa, runtime and security found
    <team>/<job>/tree/<path>             the generated code base, one object per file
    <team>/<job>/snapshot.json           the same tree as one object, for the next phase to load
    <team>/<job>/export/<slug>.zip       the ZIP that download hands out (presigned)

Paths from callers are checked before S3 is touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shared.aws import client
from shared.errors import BadRequest, NotFound, PayloadTooLarge
from shared.llm.files import UnsafePath, safe_relative_path
from shared.settings import get_settings

MAX_FILE_BYTES = 500 * 1024
DOWNLOAD_URL_SECONDS = 900


@dataclass(frozen=True, slots=True)
class TreeEntry:
    path: str
    name: str
    is_dir: bool
    size: int


def _prefix(team_id: str, job_id: str) -> str:
    return f"{team_id}/{job_id}/"


def _bucket() -> str:
    return get_settings().artifacts_bucket


def _put(key: str, body: bytes, content_type: str) -> None:
    client("s3").put_object(Bucket=_bucket(), Key=key, Body=body, ContentType=content_type)


def _get(key: str) -> bytes | None:
    s3 = client("s3")
    try:
        return bytes(s3.get_object(Bucket=_bucket(), Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def _keys(prefix: str) -> list[dict[str, Any]]:
    paginator = client("s3").get_paginator("list_objects_v2")
    return [
        obj
        for page in paginator.paginate(Bucket=_bucket(), Prefix=prefix)
        for obj in page.get("Contents", [])
    ]


def save_document(team_id: str, job_id: str, name: str, text: str) -> None:
    key = f"{_prefix(team_id, job_id)}documents/{name}.md"
    _put(key, text.encode(), "text/markdown; charset=utf-8")


def load_documents(team_id: str, job_id: str) -> dict[str, str]:
    prefix = f"{_prefix(team_id, job_id)}documents/"
    documents = {}
    for obj in _keys(prefix):
        body = _get(obj["Key"])
        if body is not None:
            documents[obj["Key"][len(prefix) :].removesuffix(".md")] = body.decode()
    return documents


def save_report(team_id: str, job_id: str, phase: str, report: dict[str, Any]) -> None:
    key = f"{_prefix(team_id, job_id)}reports/{phase}.json"
    _put(key, json.dumps(report, indent=2).encode(), "application/json")


def load_report(team_id: str, job_id: str, phase: str) -> dict[str, Any] | None:
    body = _get(f"{_prefix(team_id, job_id)}reports/{phase}.json")
    return json.loads(body) if body is not None else None


def load_tree(team_id: str, job_id: str) -> dict[str, str]:
    body = _get(f"{_prefix(team_id, job_id)}snapshot.json")
    return json.loads(body) if body is not None else {}


def save_tree(team_id: str, job_id: str, files: dict[str, str]) -> None:
    """Replace the job's tree with `files`: changed files written, removed ones deleted."""
    checked = {safe_relative_path(path): text for path, text in files.items()}
    previous = load_tree(team_id, job_id)
    tree = f"{_prefix(team_id, job_id)}tree/"
    for path, text in checked.items():
        if previous.get(path) != text:
            _put(tree + path, text.encode(), "text/plain; charset=utf-8")
    removed = [{"Key": tree + path} for path in previous if path not in checked]
    for start in range(0, len(removed), 1000):
        client("s3").delete_objects(
            Bucket=_bucket(), Delete={"Objects": removed[start : start + 1000]}
        )
    snapshot = json.dumps(checked, sort_keys=True).encode()
    _put(f"{_prefix(team_id, job_id)}snapshot.json", snapshot, "application/json")


def list_tree(team_id: str, job_id: str) -> list[TreeEntry]:
    """Every file and folder of the generated tree, folders first at each level."""
    prefix = f"{_prefix(team_id, job_id)}tree/"
    entries: dict[str, TreeEntry] = {}
    for obj in _keys(prefix):
        path = obj["Key"][len(prefix) :]
        parts = path.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            entries.setdefault(folder, TreeEntry(folder, parts[depth - 1], True, 0))
        entries[path] = TreeEntry(path, parts[-1], False, int(obj["Size"]))
    return sorted(
        entries.values(), key=lambda entry: (entry.path.count("/"), not entry.is_dir, entry.path)
    )


def checked_path(path: str) -> str:
    try:
        return safe_relative_path(path)
    except UnsafePath as exc:
        raise BadRequest("path must be a relative path inside the generated tree") from exc


def read_file(team_id: str, job_id: str, path: str) -> str:
    """One generated file's text: 400 for a path outside the tree, 404, 413 over 500 KB."""
    key = f"{_prefix(team_id, job_id)}tree/{checked_path(path)}"
    s3 = client("s3")
    try:
        head = s3.head_object(Bucket=_bucket(), Key=key)
    except s3.exceptions.ClientError as exc:
        raise NotFound(f"no file {path} in the generated tree") from exc
    if int(head["ContentLength"]) > MAX_FILE_BYTES:
        raise PayloadTooLarge(f"{path} is over {MAX_FILE_BYTES // 1024} KB; download the ZIP")
    body = _get(key)
    if body is None:
        raise NotFound(f"no file {path} in the generated tree")
    return body.decode("utf-8", errors="replace")


def export_key(team_id: str, job_id: str, slug: str) -> str:
    return f"{_prefix(team_id, job_id)}export/{slug}.zip"


def save_export(team_id: str, job_id: str, slug: str, archive: bytes) -> str:
    key = export_key(team_id, job_id, slug)
    _put(key, archive, "application/zip")
    return key


def load_export(team_id: str, job_id: str, slug: str) -> bytes:
    body = _get(export_key(team_id, job_id, slug))
    if body is None:
        raise NotFound("the job has not been exported yet")
    return body


def export_url(team_id: str, job_id: str, slug: str) -> str:
    """A presigned download URL of the job's ZIP; NotFound before export."""
    key = export_key(team_id, job_id, slug)
    s3 = client("s3")
    try:
        s3.head_object(Bucket=_bucket(), Key=key)
    except s3.exceptions.ClientError as exc:
        raise NotFound("the job has not been exported yet") from exc
    url: str = s3.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": _bucket(),
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{slug}.zip"',
        },
        ExpiresIn=DOWNLOAD_URL_SECONDS,
    )
    return url


def delete_artifacts(team_id: str, job_id: str) -> int:
    """Remove every artifact of a job (`DELETE /jobs/{id}?purge=true`)."""
    keys = [{"Key": obj["Key"]} for obj in _keys(_prefix(team_id, job_id))]
    for start in range(0, len(keys), 1000):
        client("s3").delete_objects(
            Bucket=_bucket(), Delete={"Objects": keys[start : start + 1000]}
        )
    return len(keys)

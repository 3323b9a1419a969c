"""Readiness: can this deployment reach every table and the artifacts bucket?

Checks run in parallel and the verdict is kept for a few seconds per container, since
DescribeTable is a rate-limited control-plane call and probes may poll often. Answers
name tables by their logical key (``jobs``), not their AWS names: the route is public.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from shared.settings import Settings

ARTIFACTS = "bucket:artifacts"


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    problems: tuple[str, ...]
    checked: tuple[str, ...]


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", type(exc).__name__))
    return type(exc).__name__


def _check_table(settings: Settings, table_key: str) -> str | None:
    from shared.aws import client

    try:
        described = client("dynamodb").describe_table(TableName=settings.table_name(table_key))
    except Exception as exc:  # any failure means not ready; report the code, not AWS's text
        return f"table:{table_key} {_error_code(exc)}"
    status = described["Table"]["TableStatus"]
    return None if status in ("ACTIVE", "UPDATING") else f"table:{table_key} {status}"


def _check_bucket(settings: Settings) -> str | None:
    from shared.aws import client

    try:
        client("s3").head_bucket(Bucket=settings.artifacts_bucket)
    except Exception as exc:
        return f"{ARTIFACTS} {_error_code(exc)}"
    return None


def check_readiness(settings: Settings) -> Readiness:
    from concurrent.futures import ThreadPoolExecutor

    table_keys = list(settings.table_names)
    with ThreadPoolExecutor(max_workers=len(table_keys) + 1) as pool:
        bucket = pool.submit(_check_bucket, settings)
        tables = [pool.submit(_check_table, settings, key) for key in table_keys]
        outcomes = [future.result() for future in (*tables, bucket)]
    problems = tuple(problem for problem in outcomes if problem)
    checked = (*(f"table:{key}" for key in table_keys), ARTIFACTS)
    return Readiness(ready=not problems, problems=problems, checked=checked)


_cached: tuple[float, Readiness] | None = None


def readiness(settings: Settings, *, max_age_seconds: float, now: float | None = None) -> Readiness:
    """The readiness verdict, reusing one younger than `max_age_seconds`."""
    global _cached
    moment = time.monotonic() if now is None else now
    if _cached is not None and moment - _cached[0] < max_age_seconds:
        return _cached[1]
    verdict = check_readiness(settings)
    _cached = (moment, verdict)
    return verdict


def forget_readiness() -> None:
    global _cached
    _cached = None

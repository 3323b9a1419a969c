"""Readiness: can this deployment reach every table and the artifacts bucket?

Checks run in parallel and the verdict is kept for a few seconds per container, since
DescribeTable is a rate-limited control-plane call and probes may poll often.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from shared.settings import Settings


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    problems: tuple[str, ...] = ()
    checked: tuple[str, ...] = field(default_factory=tuple)


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", type(exc).__name__))
    return type(exc).__name__


def _check_table(name: str) -> str | None:
    from shared.aws import client

    try:
        status = client("dynamodb").describe_table(TableName=name)["Table"]["TableStatus"]
    except Exception as exc:  # any failure means not ready; the code, never the AWS message
        return f"table {name}: {_error_code(exc)}"
    return None if status in ("ACTIVE", "UPDATING") else f"table {name}: {status}"


def _check_bucket(name: str) -> str | None:
    from shared.aws import client

    try:
        client("s3").head_bucket(Bucket=name)
    except Exception as exc:
        return f"bucket {name}: {_error_code(exc)}"
    return None


def check_readiness(settings: Settings) -> Readiness:
    from concurrent.futures import ThreadPoolExecutor

    tables = list(settings.table_names.values())
    checks = [(_check_table, name) for name in tables] + [
        (_check_bucket, settings.artifacts_bucket)
    ]
    with ThreadPoolExecutor(max_workers=len(checks)) as pool:
        outcomes = list(pool.map(lambda check: check[0](check[1]), checks))
    problems = tuple(problem for problem in outcomes if problem)
    return Readiness(not problems, problems, (*tables, settings.artifacts_bucket))


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

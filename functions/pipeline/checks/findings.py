"""What a check reports: one problem, where it is, and how bad."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in a generated tree.

    `check` is dotted, family first (`qa.syntax`, `runtime.http`, `security.secret`), so
    repair and review can group findings without knowing every kind.
    """

    check: str
    severity: Severity
    path: str | None
    line: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def error(check: str, message: str, path: str | None = None, line: int | None = None) -> Finding:
    return Finding(check=check, severity="error", path=path, line=line, message=message)


def warning(check: str, message: str, path: str | None = None, line: int | None = None) -> Finding:
    return Finding(check=check, severity="warning", path=path, line=line, message=message)

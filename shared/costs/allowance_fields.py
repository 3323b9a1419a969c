"""Seed 002's allowance fields as request bodies take them: its `allowanceResetDate` is a
number (seconds, or the milliseconds JavaScript counts) or a date-time. Shared by the
costs group's /users/me routes and the auth group's admin form (PUT /admin/users/{id})."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from pydantic import Field

from shared.numbers import JSON_NUMBER
from shared.request_fields import DateTimeText

# A reset date given as a number: seconds since 1970, or milliseconds from here up (1e11
# seconds is the year 5138; Date.now() in milliseconds is past 1.7e12).
MILLISECONDS_FROM = 1e11
_LAST_MILLISECOND = 253_402_300_799_999.0  # 9999-12-31T23:59:59.999Z
ResetDate = (
    Annotated[float, Field(ge=0, le=_LAST_MILLISECOND, allow_inf_nan=False), JSON_NUMBER]
    | DateTimeText
)


def reset_moment(value: float | datetime | None) -> datetime | None:
    """A reset date as given (seconds, milliseconds or a date-time) as a UTC time."""
    if value is None or isinstance(value, datetime):
        return value
    seconds = value / 1000 if value >= MILLISECONDS_FROM else value
    return datetime.fromtimestamp(seconds, UTC)


RESET_DATE_HELP = (
    f"seconds since 1970 (a number from {MILLISECONDS_FROM:.0e} up is read as milliseconds, "
    "as JavaScript's Date.now() gives), or an RFC 3339 date-time"
)


@dataclass(frozen=True, slots=True)
class AllowanceChanges:
    """What an admin form changes of an account's allowance (shared.costs.allowances
    `apply_changes`): each part only when given."""

    set_allowance: bool = False
    monthly_allowance: float | None = None  # USD; None: unlimited
    set_reset_date: bool = False
    reset_at: datetime | None = None  # None: the next UTC month's start
    spend_remaining: float | None = None  # USD; None: unchanged

    def __bool__(self) -> bool:
        return self.set_allowance or self.set_reset_date or self.spend_remaining is not None

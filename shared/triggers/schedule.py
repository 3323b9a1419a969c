"""A schedule trigger's config: checked, described in words, turned into the EventBridge
Scheduler expression it becomes, and its next fire times computed as the Scheduler fires.

The config is ``{cron | rate | at, timezone?, start?, end?}`` (``timezone`` defaults to UTC):

- ``cron`` with 5 fields is standard Unix cron: minute hour day-of-month month day-of-week,
  day of week 0-7 (0 and 7 are Sunday) or SUN-SAT, months 1-12 or JAN-DEC, ``*``, lists,
  ranges and steps; also ``L`` alone in day-of-month (the month's last day), ``nL`` (the
  last weekday n of the month) and ``n#k`` (its k-th) in day-of-week. Unix cron fires on
  the day-of-month OR the day-of-week when both are restricted; EventBridge cannot say
  "or", so one of the two must be ``*``.
- ``cron`` with 6 fields is EventBridge Scheduler's own: minutes hours day-of-month month
  day-of-week year, day of week 1-7 = SUN-SAT, exactly one of day-of-month and day-of-week
  ``?``, years 1970-2199. ``cron(...)`` around either form is accepted. ``W`` (the nearest
  weekday) is refused: cronsim cannot compute it, so no fire times could be shown.
- ``rate``: "every 15 minutes", "every hour", "every 2 days" or ``rate(15 minutes)``;
  at least one minute.
- ``at``: an ISO date and time, read in ``timezone`` when it has no offset; in the future.
- ``start``/``end``: ISO times (read in ``timezone`` without an offset), end after start;
  for cron and rate only (Scheduler's StartDate and EndDate; end is exclusive).

Daylight saving time, as EventBridge Scheduler documents it: a cron time that does not
exist on the day the clocks go forward is skipped (Berlin's 02:30 on the last Sunday of
March does not fire that day); a time that happens twice when they go back fires once. The
documentation says "once" without saying which; we show the first occurrence (02:30 CEST,
not 02:30 CET), which is what a clock reading 02:30 first means. A rate is a fixed
duration ("1 day" is 24 hours) counted from the start, or from the creation without one
(Scheduler starts a rate schedule at once), whatever the clocks do.

cronsim (BSD, one small pure-Python package, maintained for Healthchecks) parses and
describes cron; it is imported when a cron is, not with this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.errors import Unprocessable

if TYPE_CHECKING:
    from cronsim import CronSim

ScheduleKind = Literal["cron", "rate", "at"]

FIELDS = ("cron", "rate", "at", "timezone", "start", "end")
# EventBridge Scheduler's `at()` and its cron year field.
AT_FORMAT = "%Y-%m-%dT%H:%M:%S"
YEARS = range(1970, 2200)
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # EventBridge's 1-7
# Bounds the search for fire times (a cron that matches only rarely in a year, say).
_MAX_STEPS = 20_000
# ScheduleExpression is at most 256 characters: "cron(" + fields + ")".
_MAX_FIELDS_LENGTH = 250


@dataclass(frozen=True)
class Schedule:
    """A checked schedule: what the Scheduler is given, what the user is told, and what
    `next_fire_times` needs (the Unix cron cronsim walks, the years, the rate, the moment)."""

    kind: ScheduleKind
    expression: str  # EventBridge Scheduler's ScheduleExpression: cron(...), rate(...), at(...)
    timezone: str  # its ScheduleExpressionTimezone
    description: str
    start: datetime | None = None  # aware, UTC
    end: datetime | None = None
    unix_cron: str | None = None  # 5 fields, for cronsim
    years: frozenset[int] | None = None  # None: every year
    every: timedelta | None = None
    at: datetime | None = None  # aware, UTC

    def scheduler_arguments(self) -> dict[str, Any]:
        """The schedule's part of `scheduler.create_schedule`/`update_schedule`."""
        arguments: dict[str, Any] = {
            "ScheduleExpression": self.expression,
            "ScheduleExpressionTimezone": self.timezone,
        }
        if self.start is not None:
            arguments["StartDate"] = self.start
        if self.end is not None:
            arguments["EndDate"] = self.end
        return arguments


def parse_schedule(config: Mapping[str, Any]) -> Schedule:
    """The schedule `config` describes, or Unprocessable saying what is wrong with it.

    Only its form is checked: whether it still lies ahead is `validate_schedule`'s question
    (a stored one-time schedule that has fired stays readable)."""
    unknown = sorted(set(config) - set(FIELDS))
    if unknown:
        raise Unprocessable(f"Unknown schedule field(s): {', '.join(unknown)}")
    kinds = [kind for kind in ("cron", "rate", "at") if config.get(kind) not in (None, "")]
    if len(kinds) != 1:
        raise Unprocessable("A schedule needs exactly one of cron, rate or at")
    kind: ScheduleKind = kinds[0]  # type: ignore[assignment]
    timezone = config.get("timezone") or "UTC"
    zone = _zone(timezone)
    start = _moment(config["start"], zone, "start") if config.get("start") else None
    end = _moment(config["end"], zone, "end") if config.get("end") else None
    if kind == "at" and (start or end):
        raise Unprocessable("start and end apply to cron and rate schedules; at fires once")
    if start and end and end <= start:
        raise Unprocessable("end must be after start")
    bounds: dict[str, Any] = {"timezone": timezone, "start": start, "end": end}
    if kind == "cron":
        return _cron_schedule(_text(config["cron"], "cron"), **bounds)
    if kind == "rate":
        return _rate_schedule(_text(config["rate"], "rate"), **bounds)
    moment = _moment(config["at"], zone, "at")
    local = moment.astimezone(zone)
    return Schedule(
        kind="at",
        expression=f"at({local.strftime(AT_FORMAT)})",
        timezone=timezone,
        description=f"Once, at {local.strftime('%Y-%m-%d %H:%M:%S')} ({timezone})",
        at=moment,
    )


def validate_schedule(config: Mapping[str, Any], now: datetime) -> Schedule:
    """`parse_schedule`, and a schedule that will fire after `now` (when a trigger is saved)."""
    schedule = parse_schedule(config)
    if schedule.at is not None and schedule.at <= now:
        raise Unprocessable(f"at {schedule.at.isoformat()} is in the past")
    if schedule.end is not None and schedule.end <= now:
        raise Unprocessable(f"end {schedule.end.isoformat()} is in the past")
    if not next_fire_times(schedule, now, 1):
        raise Unprocessable(f"The schedule never fires after {now.isoformat()}")
    return schedule


def next_fire_times(
    schedule: Schedule | Mapping[str, Any],
    now: datetime,
    count: int = 5,
    *,
    created_at: datetime | None = None,
) -> list[datetime]:
    """The next `count` fire times at or after `now`, aware and in UTC.

    A rate without a start counts from `created_at` (default: `now`, a schedule being
    created); see the module's docstring for DST."""
    if now.tzinfo is None:
        raise ValueError("next_fire_times needs a timezone-aware now")
    if not isinstance(schedule, Schedule):
        schedule = parse_schedule(schedule)
    if schedule.at is not None:
        return [schedule.at] if schedule.at >= now and count > 0 else []
    if schedule.every is not None:
        return _rate_times(schedule, schedule.every, now, count, created_at or now)
    return _cron_times(schedule, now, count)


def _zone(name: Any) -> ZoneInfo:
    if not isinstance(name, str):
        raise Unprocessable("timezone must be an IANA name such as Europe/Berlin")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Unprocessable(
            f"Unknown timezone {name!r}: use an IANA name such as Europe/Berlin"
        ) from None


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise Unprocessable(f"{field} must be a string")
    return value.strip()


def _exists(wall: datetime, zone: ZoneInfo) -> bool:
    """Whether the naive wall time `wall` is read on a clock in `zone` (not skipped by DST)."""
    local = wall.replace(tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def _moment(value: Any, zone: ZoneInfo, field: str) -> datetime:
    """An ISO time (or a datetime) as an aware UTC time; without an offset, read in `zone`."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Unprocessable(
                f"{field} is not an ISO date and time (2027-03-01T09:00:00): {value!r}"
            ) from None
    else:
        raise Unprocessable(f"{field} must be an ISO date and time")
    if moment.tzinfo is None:
        if not _exists(moment, zone):
            raise Unprocessable(
                f"{field} {moment.isoformat()} does not exist in {zone.key}:"
                " the clocks skip it when daylight saving time starts"
            )
        moment = moment.replace(tzinfo=zone)  # fold=0: a repeated time's first occurrence
    return moment.astimezone(UTC).replace(microsecond=0)


# --- rate ---------------------------------------------------------------------------

_RATE_FORMS = (
    re.compile(r"rate\(\s*(\d{1,6})\s+([a-z]+)\s*\)"),
    re.compile(r"every\s+(?:(\d{1,6})\s+)?([a-z]+)"),
)
_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


def _rate_schedule(
    text: str, *, timezone: str, start: datetime | None, end: datetime | None
) -> Schedule:
    lowered = " ".join(text.lower().split())
    match = next((m for form in _RATE_FORMS if (m := form.fullmatch(lowered))), None)
    unit = match[2].removesuffix("s") if match else ""
    if match is None or unit not in (*_UNITS, "second"):
        raise Unprocessable(
            f"Invalid rate {text!r}: write 'every 15 minutes', 'every 2 hours',"
            " 'every 1 day' or 'rate(15 minutes)'"
        )
    value = int(match[1] or 1)
    if unit == "second" or value < 1:
        raise Unprocessable(f"Invalid rate {text!r}: a rate must be at least 1 minute")
    plural = "s" if value != 1 else ""
    return Schedule(
        kind="rate",
        expression=f"rate({value} {unit}{plural})",
        timezone=timezone,
        description=f"Every {unit}" if value == 1 else f"Every {value} {unit}s",
        start=start,
        end=end,
        every=value * _UNITS[unit],
    )


def _rate_times(
    schedule: Schedule, every: timedelta, now: datetime, count: int, created_at: datetime
) -> list[datetime]:
    anchor = (schedule.start or created_at).astimezone(UTC)
    # Scheduler's rate runs at the anchor, then every `every`, DST or not.
    skipped = max(0, -((anchor - now) // every))  # whole periods before now (ceiling)
    times: list[datetime] = []
    try:
        for index in range(skipped, skipped + count):
            moment = anchor + index * every
            if schedule.end is not None and moment >= schedule.end:
                break
            times.append(moment)
    except OverflowError:  # past year 9999
        pass
    return times


# --- cron ---------------------------------------------------------------------------


def _cron_schedule(
    text: str, *, timezone: str, start: datetime | None, end: datetime | None
) -> Schedule:
    from cronsim import CronSim, CronSimError

    source = text
    inner = re.fullmatch(r"cron\((.*)\)", text, re.IGNORECASE | re.DOTALL)
    fields = (inner[1] if inner else text).upper().split()
    years: frozenset[int] | None = None
    year = "*"
    if len(fields) == 5:
        if "?" in text:
            raise _invalid(source, "? belongs to EventBridge's 6-field form (with a year)")
        if fields[2] != "*" and fields[4] != "*":
            raise _invalid(
                source,
                "Unix cron runs on the day of the month OR the day of the week when both are"
                " set, which EventBridge Scheduler cannot express: make one of them *",
            )
        unix = fields
    elif len(fields) == 6:
        minute, hour, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise _invalid(
                source,
                "in the 6-field form exactly one of day-of-month and day-of-week must be ?",
            )
        years = _years(year, source)
        unix = [minute, hour, "*" if dom == "?" else dom, month, _unix_dow(dow, source)]
        if dow == "?":
            unix[4] = "*"
    else:
        raise _invalid(
            source,
            "a cron has 5 fields (minute hour day-of-month month day-of-week) or"
            f" EventBridge's 6 (with a year at the end), not {len(fields)}",
        )
    if "W" in unix[2]:
        raise _invalid(source, "W (the nearest weekday) is not supported")
    expression = " ".join(unix)
    try:
        simulator = CronSim(expression, datetime(2000, 1, 1))
    except CronSimError as exc:
        # cronsim's messages name the field ("Bad day-of-week"); nothing else is in them.
        raise _invalid(source, str(exc).lower()) from None
    described = simulator.explain()
    if years is not None:
        described += f", in {_describe_years(years)}"
    return Schedule(
        kind="cron",
        expression=f"cron({_eventbridge_fields(simulator, unix, years, year, source)})",
        timezone=timezone,
        description=f"{described} ({timezone})",
        start=start,
        end=end,
        unix_cron=expression,
        years=years,
    )


def _invalid(source: str, reason: str) -> Unprocessable:
    return Unprocessable(f"Invalid cron expression {source!r}: {reason}")


def _unix_dow(field: str, source: str) -> str:
    """EventBridge's day-of-week (1-7 = SUN-SAT) in Unix numbers (0-6); names stay."""

    def shift(number: re.Match[str]) -> str:
        day = int(number[0])
        if not 1 <= day <= 7:
            raise _invalid(source, "the day of the week is 1-7 (SUN-SAT) in the 6-field form")
        return str(day - 1)

    # The numbers that are days: not a step after "/", not the nth after "#".
    return re.sub(r"(?<![#/\d])\d+", shift, field)


def _years(field: str, source: str) -> frozenset[int] | None:
    if field == "*":
        return None
    found: set[int] = set()
    for term in field.split(","):
        base, slash, step_text = term.partition("/")
        low_text, dash, high_text = base.partition("-")
        numbers = [text for text in (low_text, high_text, step_text) if text]
        if base != "*" and not all(text.isdigit() for text in numbers):
            raise _invalid(source, f"bad year {term!r}")
        if base == "*":
            low, high = YEARS.start, YEARS.stop - 1
        else:
            low = int(low_text)
            high = int(high_text) if dash else (YEARS.stop - 1 if slash else low)
        step = int(step_text) if step_text.isdigit() else (0 if slash else 1)
        if low not in YEARS or high not in YEARS or high < low or step < 1:
            raise _invalid(source, f"bad year {term!r} (years are 1970-2199)")
        found.update(range(low, high + 1, step))
    return frozenset(found)


def _describe_years(years: frozenset[int]) -> str:
    ordered = sorted(years)
    return ", ".join(
        str(low) if low == high else f"{low} through {high}" for low, high in _runs(ordered)
    )


def _runs(ordered: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for value in ordered:
        if runs and runs[-1][1] == value - 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _compact(values: set[int], low: int, high: int, name: Any = str, steps: bool = True) -> str:
    """A field EventBridge reads for exactly `values`: *, a/step, or a list of a-b runs.

    Rebuilt from cronsim's sets rather than copied, so that Unix-only spellings (`1-30/5`,
    day 7 for Sunday) never reach EventBridge."""
    ordered = sorted(values)
    if ordered == list(range(low, high + 1)):
        return "*"
    gaps = {later - earlier for earlier, later in pairwise(ordered)}
    if steps and len(ordered) >= 3 and len(gaps) == 1:
        (step,) = gaps
        if step > 1 and ordered[-1] + step > high:
            return f"{ordered[0]}/{step}"
    return ",".join(
        name(first) if first == last else f"{name(first)}-{name(last)}"
        for first, last in _runs(ordered)
    )


def _eventbridge_fields(
    simulator: CronSim,
    unix: list[str],
    years: frozenset[int] | None,
    source_year: str,
    source: str,
) -> str:
    from cronsim import CronSim

    minutes = _compact(simulator.minutes, 0, 59)
    hours = _compact(simulator.hours, 0, 23)
    months = _compact(simulator.months, 1, 12)
    year = "*" if years is None else source_year  # already EventBridge's syntax, checked

    if CronSim.LAST in simulator.days:
        if simulator.days != {CronSim.LAST}:
            raise _invalid(source, "L (the last day of the month) must stand alone")
        dom = "L"
    else:
        dom = "*" if unix[2] == "*" else _compact(simulator.days, 1, 31)

    special = [item for item in simulator.weekdays if isinstance(item, tuple)]
    if special:
        if len(simulator.weekdays) != 1:
            raise _invalid(source, "a last (nL) or nth (n#k) weekday must stand alone")
        day, nth = special[0]
        dow = f"{day % 7 + 1}L" if nth == CronSim.LAST else f"{day % 7 + 1}#{nth}"
    elif unix[4] == "*":
        dow = "*"
    else:
        days = {day % 7 + 1 for day in simulator.weekdays if isinstance(day, int)}
        dow = _compact(days, 1, 7, name=lambda day: DAY_NAMES[day - 1], steps=False)
    # EventBridge wants exactly one of the two as "?": the one left unrestricted.
    if dow == "*":
        dow = "?"
    else:
        dom = "?"
    fields = f"{minutes} {hours} {dom} {months} {dow} {year}"
    if len(fields) > _MAX_FIELDS_LENGTH:
        raise _invalid(source, "too long for EventBridge Scheduler once its lists are spelled out")
    return fields


def _cron_times(schedule: Schedule, now: datetime, count: int) -> list[datetime]:
    from cronsim import CronSim

    assert schedule.unix_cron is not None
    zone = ZoneInfo(schedule.timezone)
    floor = max(now, schedule.start) if schedule.start is not None else now
    last_year = max(schedule.years) if schedule.years else YEARS.stop - 1

    def walker(moment: datetime) -> CronSim:
        # Walk naive wall times: the DST rule is applied below, not cronsim's Debian one.
        return CronSim(schedule.unix_cron or "", moment - timedelta(seconds=1))

    wall_clock = walker(floor.astimezone(zone).replace(tzinfo=None))
    times: list[datetime] = []
    for _ in range(_MAX_STEPS):
        if len(times) >= count:
            break
        wall = next(wall_clock)
        if wall.year > last_year:
            break
        if schedule.years is not None and wall.year not in schedule.years:
            wall_clock = walker(datetime(min(y for y in schedule.years if y > wall.year), 1, 1))
            continue
        if not _exists(wall, zone):
            continue  # skipped when the clocks go forward
        moment = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first of two
        if moment < floor:
            continue  # (the second pass of a repeated hour: that time has fired already)
        if schedule.end is not None and moment >= schedule.end:
            break
        times.append(moment)
    return times

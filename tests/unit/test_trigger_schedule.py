"""A schedule trigger's config: checked, described, turned into EventBridge Scheduler's
expression, and fired at the times (DST included) the Scheduler would fire it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.errors import Unprocessable
from shared.triggers.schedule import next_fire_times, parse_schedule, validate_schedule

NOW = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # a Friday
BERLIN = "Europe/Berlin"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def reason(config: dict[str, Any], now: datetime = NOW) -> str:
    with pytest.raises(Unprocessable) as caught:
        validate_schedule(config, now)
    assert caught.value.status_code == 422
    return caught.value.detail


# --- cron: the expression EventBridge gets, and the words the user reads -------------


@pytest.mark.parametrize(
    ("cron", "expression"),
    [
        ("0 9 * * 1-5", "cron(0 9 ? * MON-FRI *)"),
        ("0 9 * * MON-FRI", "cron(0 9 ? * MON-FRI *)"),
        ("*/15 * * * *", "cron(0/15 * * * ? *)"),
        ("0 0 1 * *", "cron(0 0 1 * ? *)"),
        ("0 0 * * 0", "cron(0 0 ? * SUN *)"),
        ("0 0 * * 7", "cron(0 0 ? * SUN *)"),  # Unix's second Sunday
        ("0 0 * * 5-7", "cron(0 0 ? * SUN,FRI-SAT *)"),  # no wrapping range for EventBridge
        ("1-30/5 * * * *", "cron(1,6,11,16,21,26 * * * ? *)"),
        ("0 0 L * *", "cron(0 0 L * ? *)"),
        ("30 2 * * 5L", "cron(30 2 ? * 6L *)"),
        ("0 8 * * 1#2", "cron(0 8 ? * 2#2 *)"),
        ("0 12 * JAN-MAR *", "cron(0 12 * 1-3 ? *)"),
        # EventBridge's own 6 fields (day of week 1-7 = SUN-SAT), with or without cron().
        ("0 10 ? * 2-6 *", "cron(0 10 ? * MON-FRI *)"),
        ("cron(0 10 ? * MON-FRI *)", "cron(0 10 ? * MON-FRI *)"),
        ("0 12 1 * ? 2027-2028", "cron(0 12 1 * ? 2027-2028)"),
        ("0 8 ? * 6L *", "cron(0 8 ? * 6L *)"),
    ],
)
def test_cron_becomes_the_eventbridge_expression(cron: str, expression: str) -> None:
    schedule = parse_schedule({"cron": cron, "timezone": BERLIN})

    assert schedule.kind == "cron"
    assert schedule.expression == expression
    assert schedule.scheduler_arguments() == {
        "ScheduleExpression": expression,
        "ScheduleExpressionTimezone": BERLIN,
    }


def test_cron_is_described_in_words_with_its_timezone_and_years() -> None:
    weekdays = parse_schedule({"cron": "0 9 * * 1-5", "timezone": BERLIN})
    yearly = parse_schedule({"cron": "0 12 1 * ? 2027-2028"})

    assert weekdays.description == "At 09:00 on Monday through Friday (Europe/Berlin)"
    assert yearly.description == (
        "At 12:00 on the first day of every month, in 2027 through 2028 (UTC)"
    )


def test_five_and_six_field_forms_of_one_schedule_fire_alike() -> None:
    unix = parse_schedule({"cron": "0 9 * * 1-5", "timezone": BERLIN})
    eventbridge = parse_schedule({"cron": "0 9 ? * 2-6 *", "timezone": BERLIN})

    times = next_fire_times(unix, NOW, 5)
    assert times == next_fire_times(eventbridge, NOW, 5)
    # Friday 27 March has passed 09:00; then Monday to Friday, 09:00 CEST is 07:00 UTC.
    assert times == [
        utc(2026, 3, 30, 7),
        utc(2026, 3, 31, 7),
        utc(2026, 4, 1, 7),
        utc(2026, 4, 2, 7),
        utc(2026, 4, 3, 7),
    ]


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 9 * *", "5 fields"),
        ("0 9 * * 1-5 * *", "not 7"),
        ("61 * * * *", "bad minute"),
        ("0 25 * * *", "bad hour"),
        ("0 0 32 * *", "bad day-of-month"),
        ("0 0 * 13 *", "bad month"),
        ("0 0 * * MON-", "bad day-of-week"),
        ("every day", "5 fields"),
        # Unix's OR of both day fields has no EventBridge equivalent.
        ("0 0 1 * 1", "day of the month OR the day of the week"),
        ("0 0 ? * 1", "6-field form"),
        ("0 0 * * * *", "exactly one of day-of-month and day-of-week must be ?"),
        ("0 0 1 * 2 *", "exactly one of day-of-month and day-of-week must be ?"),
        ("0 0 ? * 0 *", "1-7 (SUN-SAT)"),
        ("0 0 ? * 8 *", "1-7 (SUN-SAT)"),
        ("0 0 1 * ? 1969", "years are 1970-2199"),
        ("0 0 1 * ? 2030-2027", "years are 1970-2199"),
        ("0 0 1 * ? 20x0", "bad year"),
        ("0 0 15W * ? *", "W (the nearest weekday)"),
        ("0 0 L,15 * *", "L (the last day of the month) must stand alone"),
        ("0 0 * * 5L,1", "must stand alone"),
        ("0 0 30 2 *", "bad day-of-month"),  # February never has a 30th
    ],
)
def test_invalid_cron_is_refused_with_the_reason(cron: str, words: str) -> None:
    detail = reason({"cron": cron, "timezone": BERLIN})

    assert detail.startswith(f"Invalid cron expression {cron!r}")
    assert words in detail


def test_a_cron_whose_years_are_over_never_fires_and_is_refused() -> None:
    assert reason({"cron": "0 0 1 1 ? 2025"}) == (
        "The schedule never fires after 2026-03-27T12:00:00+00:00"
    )
    assert next_fire_times({"cron": "0 0 1 1 ? 2025"}, NOW) == []


def test_cron_skips_the_years_it_does_not_name() -> None:
    schedule = parse_schedule({"cron": "0 0 1 1 ? 2027,2030/5"})

    assert schedule.expression == "cron(0 0 1 1 ? 2027,2030/5)"
    assert next_fire_times(schedule, NOW, 3) == [
        utc(2027, 1, 1),
        utc(2030, 1, 1),
        utc(2035, 1, 1),
    ]


# --- timezone and DST ------------------------------------------------------------------


def test_unknown_timezone_is_refused() -> None:
    assert reason({"cron": "0 9 * * *", "timezone": "Europe/Atlantis"}) == (
        "Unknown timezone 'Europe/Atlantis': use an IANA name such as Europe/Berlin"
    )
    assert "Unknown timezone" in reason({"rate": "every hour", "timezone": "../etc/passwd"})
    assert "IANA name" in reason({"rate": "every hour", "timezone": 2})


def test_without_a_timezone_the_schedule_runs_in_utc() -> None:
    schedule = parse_schedule({"cron": "0 9 * * *"})

    assert schedule.timezone == "UTC"
    assert next_fire_times(schedule, NOW, 1) == [utc(2026, 3, 28, 9)]


def test_spring_forward_skips_the_time_that_does_not_exist() -> None:
    # Berlin, Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST; 02:30 never happens.
    daily = parse_schedule({"cron": "30 2 * * *", "timezone": BERLIN})
    every_half_hour = parse_schedule({"cron": "*/30 * * * *", "timezone": BERLIN})

    assert next_fire_times(daily, NOW, 3) == [
        utc(2026, 3, 28, 1, 30),  # 02:30 CET
        utc(2026, 3, 30, 0, 30),  # 02:30 CEST; none on the 29th
        utc(2026, 3, 31, 0, 30),
    ]
    assert next_fire_times(every_half_hour, utc(2026, 3, 29, 0, 30), 3) == [
        utc(2026, 3, 29, 0, 30),  # 01:30 CET
        utc(2026, 3, 29, 1, 0),  # 03:00 CEST: 02:00 and 02:30 are skipped
        utc(2026, 3, 29, 1, 30),
    ]


def test_fall_back_fires_a_repeated_time_once_at_its_first_occurrence() -> None:
    # Berlin, Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:xx happens twice.
    daily = parse_schedule({"cron": "30 2 * * *", "timezone": BERLIN})
    every_half_hour = parse_schedule({"cron": "*/30 * * * *", "timezone": BERLIN})
    before = utc(2026, 10, 24, 12)

    assert next_fire_times(daily, before, 3) == [
        utc(2026, 10, 25, 0, 30),  # 02:30 CEST, and not again at 02:30 CET (01:30 UTC)
        utc(2026, 10, 26, 1, 30),  # 02:30 CET
        utc(2026, 10, 27, 1, 30),
    ]
    assert next_fire_times(every_half_hour, utc(2026, 10, 24, 23, 30), 5) == [
        utc(2026, 10, 24, 23, 30),  # 01:30 CEST
        utc(2026, 10, 25, 0, 0),  # 02:00 CEST
        utc(2026, 10, 25, 0, 30),  # 02:30 CEST
        utc(2026, 10, 25, 2, 0),  # 03:00 CET: the second 02:00 and 02:30 do not fire
        utc(2026, 10, 25, 2, 30),
    ]
    # Asked during the repeated hour's second pass, its times have fired already.
    assert next_fire_times(every_half_hour, utc(2026, 10, 25, 1, 10), 1) == [
        utc(2026, 10, 25, 2, 0)
    ]


def test_a_rate_is_a_fixed_duration_across_dst() -> None:
    # Created at 09:00 CET on the Saturday before spring forward: a day is 24 hours.
    schedule = parse_schedule({"rate": "every 1 day", "timezone": BERLIN})
    created = utc(2026, 3, 28, 8)

    assert next_fire_times(schedule, created, 3, created_at=created) == [
        utc(2026, 3, 28, 8),
        utc(2026, 3, 29, 8),  # 10:00 CEST
        utc(2026, 3, 30, 8),
    ]


# --- rate --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "expression", "description", "period"),
    [
        ("every 15 minutes", "rate(15 minutes)", "Every 15 minutes", timedelta(minutes=15)),
        ("Every 1 minute", "rate(1 minute)", "Every minute", timedelta(minutes=1)),
        ("every hour", "rate(1 hour)", "Every hour", timedelta(hours=1)),
        ("every 1 hours", "rate(1 hour)", "Every hour", timedelta(hours=1)),
        ("every 2 days", "rate(2 days)", "Every 2 days", timedelta(days=2)),
        ("rate(15 minutes)", "rate(15 minutes)", "Every 15 minutes", timedelta(minutes=15)),
        ("rate(1 day)", "rate(1 day)", "Every day", timedelta(days=1)),
    ],
)
def test_rate_forms(rate: str, expression: str, description: str, period: timedelta) -> None:
    schedule = validate_schedule({"rate": rate}, NOW)

    assert (schedule.kind, schedule.expression) == ("rate", expression)
    assert schedule.description == description
    assert schedule.every == period


@pytest.mark.parametrize("rate", ["every 30 seconds", "every 0 minutes", "rate(0 hours)"])
def test_rate_below_one_minute_is_refused(rate: str) -> None:
    assert reason({"rate": rate}) == f"Invalid rate {rate!r}: a rate must be at least 1 minute"


@pytest.mark.parametrize("rate", ["every fortnight", "15 minutes", "rate(15)", "every -5 minutes"])
def test_rate_in_another_form_is_refused(rate: str) -> None:
    assert reason({"rate": rate}).startswith(f"Invalid rate {rate!r}: write 'every 15 minutes'")


def test_rate_counts_from_its_start_or_its_creation() -> None:
    from_start = {"rate": "every 15 minutes", "start": "2026-03-27T12:05:00+00:00"}
    created = utc(2026, 3, 27, 11, 50)

    assert next_fire_times(from_start, NOW, 2) == [
        utc(2026, 3, 27, 12, 5),
        utc(2026, 3, 27, 12, 20),
    ]
    assert next_fire_times({"rate": "every 15 minutes"}, NOW, 2, created_at=created) == [
        utc(2026, 3, 27, 12, 5),
        utc(2026, 3, 27, 12, 20),
    ]
    # Without either, a schedule being created fires at once and every period after.
    assert next_fire_times({"rate": "every hour"}, NOW, 2) == [NOW, utc(2026, 3, 27, 13)]


# --- at ----------------------------------------------------------------------------------


def test_at_is_read_in_its_timezone_and_fires_once() -> None:
    schedule = validate_schedule({"at": "2026-04-01T09:00:00", "timezone": BERLIN}, NOW)

    assert schedule.expression == "at(2026-04-01T09:00:00)"
    assert schedule.scheduler_arguments()["ScheduleExpressionTimezone"] == BERLIN
    assert schedule.description == "Once, at 2026-04-01 09:00:00 (Europe/Berlin)"
    assert next_fire_times(schedule, NOW, 5) == [utc(2026, 4, 1, 7)]
    assert next_fire_times(schedule, utc(2026, 4, 1, 8), 5) == []


def test_at_with_an_offset_becomes_the_timezones_wall_time() -> None:
    schedule = parse_schedule({"at": "2026-04-01T07:00:00Z", "timezone": BERLIN})

    assert schedule.expression == "at(2026-04-01T09:00:00)"
    assert schedule.at == utc(2026, 4, 1, 7)


def test_at_in_the_past_is_refused() -> None:
    assert reason({"at": "2026-03-27T12:59:00", "timezone": BERLIN}) == (
        "at 2026-03-27T11:59:00+00:00 is in the past"
    )
    # A stored one that has fired still reads; it just has no next fire time.
    assert next_fire_times({"at": "2026-03-27T11:00:00Z"}, NOW) == []


def test_at_that_the_clocks_skip_is_refused() -> None:
    detail = reason({"at": "2026-03-29T02:30:00", "timezone": BERLIN})

    assert detail == (
        "at 2026-03-29T02:30:00 does not exist in Europe/Berlin:"
        " the clocks skip it when daylight saving time starts"
    )


def test_at_that_is_not_a_date_is_refused() -> None:
    assert reason({"at": "next tuesday"}) == (
        "at is not an ISO date and time (2027-03-01T09:00:00): 'next tuesday'"
    )


# --- start and end -----------------------------------------------------------------------


def test_start_and_end_bound_the_fire_times() -> None:
    config = {
        "cron": "0 9 * * *",
        "timezone": BERLIN,
        "start": "2026-04-02T00:00:00",
        "end": "2026-04-04T09:00:00",  # exclusive, as Scheduler's EndDate
    }
    schedule = validate_schedule(config, NOW)

    assert next_fire_times(schedule, NOW, 5) == [utc(2026, 4, 2, 7), utc(2026, 4, 3, 7)]
    assert schedule.scheduler_arguments() == {
        "ScheduleExpression": "cron(0 9 * * ? *)",
        "ScheduleExpressionTimezone": BERLIN,
        "StartDate": utc(2026, 4, 1, 22),
        "EndDate": utc(2026, 4, 4, 7),
    }


def test_end_must_follow_start_and_lie_ahead() -> None:
    assert reason(
        {"rate": "every hour", "start": "2026-04-02T00:00:00Z", "end": "2026-04-01T00:00:00Z"}
    ) == ("end must be after start")
    assert reason({"rate": "every hour", "end": "2026-03-01T00:00:00Z"}) == (
        "end 2026-03-01T00:00:00+00:00 is in the past"
    )


def test_at_takes_no_start_or_end() -> None:
    detail = reason({"at": "2026-04-01T09:00:00Z", "end": "2026-05-01T00:00:00Z"})

    assert detail == "start and end apply to cron and rate schedules; at fires once"


# --- the config's shape ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "detail"),
    [
        ({"timezone": BERLIN}, "A schedule needs exactly one of cron, rate or at"),
        (
            {"cron": "0 9 * * *", "rate": "every hour"},
            "A schedule needs exactly one of cron, rate or at",
        ),
        ({"cron": "0 9 * * *", "every": "day"}, "Unknown schedule field(s): every"),
        ({"cron": 9}, "cron must be a string"),
    ],
)
def test_a_config_of_another_shape_is_refused(config: dict[str, Any], detail: str) -> None:
    assert reason(config) == detail


def test_next_fire_times_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_fire_times({"rate": "every hour"}, datetime(2026, 3, 27, 12))


def test_the_cron_library_is_not_imported_with_the_module() -> None:
    import subprocess
    import sys

    code = "import sys, shared.triggers.schedule; print('cronsim' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert result.stdout.strip() == "False", result.stderr


def test_a_cron_too_long_for_eventbridge_once_spelled_out_is_refused() -> None:
    # ScheduleExpression holds at most 256 characters.
    years = ",".join(str(year) for year in range(2027, 2127, 2))
    detail = reason({"cron": f"0,1-59/2 0,1-23/2 ? * MON {years}"})

    assert "too long for EventBridge Scheduler" in detail

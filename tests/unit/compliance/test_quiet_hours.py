from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from server.compliance.engine import (
    SEEDED,
    TimeWindow,
    allowed_windows,
    check_contact_time,
    check_window,
)
from server.compliance.engine.verdicts import Rule

from .support import KOLKATA, LONDON, NEW_YORK, SHANGHAI, at

CN, US, IN, UK = (SEEDED[c] for c in ("CN", "US", "IN", "UK"))


def quiet(profile, instant, tz, **kw) -> bool:
    return Rule.QUIET in check_contact_time(profile, instant, tz, **kw).rules


@pytest.mark.parametrize(
    ("profile", "tz", "last_allowed", "first_quiet", "first_allowed"),
    [
        (CN, SHANGHAI, (21, 59, 59), (22, 0, 0), (8, 0, 0)),
        (CN, NEW_YORK, (21, 59, 59), (22, 0, 0), (8, 0, 0)),
        (US, NEW_YORK, (20, 59, 59), (21, 0, 0), (8, 0, 0)),
        (US, SHANGHAI, (20, 59, 59), (21, 0, 0), (8, 0, 0)),
        (IN, KOLKATA, (18, 59, 59), (19, 0, 0), (8, 0, 0)),
        (IN, LONDON, (18, 59, 59), (19, 0, 0), (8, 0, 0)),
        (UK, LONDON, (20, 59, 59), (21, 0, 0), (8, 0, 0)),
        (UK, KOLKATA, (20, 59, 59), (21, 0, 0), (8, 0, 0)),
    ],
)
def test_quiet_hours_start_and_end_exactly_on_the_local_minute(
    profile, tz, last_allowed, first_quiet, first_allowed
):
    assert not quiet(profile, at(tz, 2025, 6, 2, *last_allowed), tz)
    assert quiet(profile, at(tz, 2025, 6, 2, *first_quiet), tz)
    assert quiet(profile, at(tz, 2025, 6, 3, 7, 59, 59), tz)
    assert not quiet(profile, at(tz, 2025, 6, 3, *first_allowed), tz)


def test_check_in_at_22_40_shanghai_is_a_quiet_hours_violation_with_the_next_allowed_time():
    result = check_contact_time(CN, at(SHANGHAI, 2025, 6, 2, 22, 40), SHANGHAI)
    (finding,) = result.of(Rule.QUIET)
    assert finding.severity == "block"
    assert finding.details["local_time"] == "2025-06-02T22:40:00"
    assert finding.details["next_allowed_utc"] == at(SHANGHAI, 2025, 6, 3, 8).isoformat()


def test_same_utc_instant_is_quiet_in_shanghai_but_daytime_in_new_york():
    instant = datetime(2025, 6, 2, 14, 40, tzinfo=UTC)
    assert quiet(CN, instant, SHANGHAI)
    assert not quiet(CN, instant, NEW_YORK)


def test_allowed_window_of_a_shanghai_day_is_08_to_22_local():
    assert allowed_windows(CN, date(2025, 6, 2), SHANGHAI) == [
        (at(SHANGHAI, 2025, 6, 2, 8), at(SHANGHAI, 2025, 6, 2, 22))
    ]


def test_a_midday_quiet_period_leaves_a_window_that_wraps_around_the_day():
    lunch = replace(CN, quiet_hours=(TimeWindow(time(12), time(14)),))
    assert allowed_windows(lunch, date(2025, 6, 2), NEW_YORK) == [
        (at(NEW_YORK, 2025, 6, 2), at(NEW_YORK, 2025, 6, 2, 12)),
        (at(NEW_YORK, 2025, 6, 2, 14), at(NEW_YORK, 2025, 6, 3)),
    ]


def test_new_york_spring_forward_day_keeps_the_08_to_21_window_in_local_time():
    assert allowed_windows(US, date(2025, 3, 9), NEW_YORK) == [
        (datetime(2025, 3, 9, 12, tzinfo=UTC), datetime(2025, 3, 10, 1, tzinfo=UTC))
    ]


def test_new_york_fall_back_day_keeps_the_08_to_21_window_in_local_time():
    assert allowed_windows(US, date(2025, 11, 2), NEW_YORK) == [
        (datetime(2025, 11, 2, 13, tzinfo=UTC), datetime(2025, 11, 3, 2, tzinfo=UTC))
    ]


def test_quiet_hours_across_the_spring_gap_last_only_the_hours_that_exist():
    night = replace(US, quiet_hours=(TimeWindow(time(1), time(4)),))
    windows = allowed_windows(night, date(2025, 3, 9), NEW_YORK)
    assert windows == [
        (at(NEW_YORK, 2025, 3, 9), at(NEW_YORK, 2025, 3, 9, 1)),
        (at(NEW_YORK, 2025, 3, 9, 4), at(NEW_YORK, 2025, 3, 10)),
    ]
    assert sum((b - a for a, b in windows), timedelta()) == timedelta(hours=21)
    assert quiet(night, datetime(2025, 3, 9, 7, 0, tzinfo=UTC), NEW_YORK)  # 03:00 EDT


def test_a_repeated_fall_back_hour_is_quiet_both_times():
    night = replace(US, quiet_hours=(TimeWindow(time(1), time(2)),))
    first, second = at(NEW_YORK, 2025, 11, 2, 1, 30), at(NEW_YORK, 2025, 11, 2, 1, 30, fold=1)
    assert second - first == timedelta(hours=1)
    assert quiet(night, first, NEW_YORK) and quiet(night, second, NEW_YORK)
    windows = allowed_windows(night, date(2025, 11, 2), NEW_YORK)
    assert sum((b - a for a, b in windows), timedelta()) == timedelta(hours=23)


def test_london_spring_forward_and_fall_back_days_keep_08_to_21_local():
    assert allowed_windows(UK, date(2025, 3, 30), LONDON) == [
        (datetime(2025, 3, 30, 7, tzinfo=UTC), datetime(2025, 3, 30, 20, tzinfo=UTC))
    ]
    assert allowed_windows(UK, date(2025, 10, 26), LONDON) == [
        (datetime(2025, 10, 26, 8, tzinfo=UTC), datetime(2025, 10, 26, 21, tzinfo=UTC))
    ]
    assert quiet(UK, datetime(2025, 3, 30, 6, 59, 59, tzinfo=UTC), LONDON)
    assert not quiet(UK, datetime(2025, 10, 26, 8, tzinfo=UTC), LONDON)


@pytest.mark.parametrize("tz", [LONDON, SHANGHAI])
def test_debtor_preferred_evening_narrows_the_allowed_window(tz):
    prefs = (TimeWindow(time(18), time(20)),)
    assert allowed_windows(UK, date(2025, 6, 2), tz, debtor_preferences=prefs) == [
        (at(tz, 2025, 6, 2, 18), at(tz, 2025, 6, 2, 20))
    ]
    assert quiet(UK, at(tz, 2025, 6, 2, 10), tz, debtor_preferences=prefs)
    assert not quiet(UK, at(tz, 2025, 6, 2, 19), tz, debtor_preferences=prefs)


def test_preferred_window_across_midnight_intersects_both_ends_of_the_day():
    prefs = (TimeWindow(time(20), time(9)),)
    assert allowed_windows(CN, date(2025, 6, 2), SHANGHAI, debtor_preferences=prefs) == [
        (at(SHANGHAI, 2025, 6, 2, 8), at(SHANGHAI, 2025, 6, 2, 9)),
        (at(SHANGHAI, 2025, 6, 2, 20), at(SHANGHAI, 2025, 6, 2, 22)),
    ]


@pytest.mark.parametrize("tz", [SHANGHAI, NEW_YORK])
def test_a_time_the_debtor_agreed_to_may_reach_into_quiet_hours(tz):
    agreed = (TimeWindow(time(22), time(23)),)
    assert not quiet(CN, at(tz, 2025, 6, 2, 22, 30), tz, consented_exceptions=agreed)
    assert quiet(CN, at(tz, 2025, 6, 2, 23, 30), tz, consented_exceptions=agreed)
    assert allowed_windows(CN, date(2025, 6, 2), tz, consented_exceptions=agreed) == [
        (at(tz, 2025, 6, 2, 8), at(tz, 2025, 6, 2, 23))
    ]


def test_an_agreed_appointment_on_one_evening_does_not_open_the_next():
    agreed = ((at(SHANGHAI, 2025, 6, 2, 22, 15), at(SHANGHAI, 2025, 6, 2, 22, 45)),)
    assert not quiet(CN, at(SHANGHAI, 2025, 6, 2, 22, 20), SHANGHAI, consented_exceptions=agreed)
    assert quiet(CN, at(SHANGHAI, 2025, 6, 3, 22, 20), SHANGHAI, consented_exceptions=agreed)
    assert allowed_windows(CN, date(2025, 6, 3), SHANGHAI, consented_exceptions=agreed) == [
        (at(SHANGHAI, 2025, 6, 3, 8), at(SHANGHAI, 2025, 6, 3, 22))
    ]


def test_a_slow_device_clock_is_corrected_before_judging_and_the_verdict_says_so():
    device_time = at(SHANGHAI, 2025, 6, 2, 21, 57)
    result = check_contact_time(CN, device_time, SHANGHAI, clock_offset=timedelta(minutes=5))
    (finding,) = result.of(Rule.QUIET)
    assert finding.details["local_time"] == "2025-06-02T22:02:00"
    assert finding.details["clock_corrected"] is True
    assert finding.details["clock_offset_seconds"] == 300


def test_a_fast_device_clock_is_corrected_back_into_allowed_hours():
    device_time = at(NEW_YORK, 2025, 6, 2, 21, 3)
    result = check_contact_time(US, device_time, NEW_YORK, clock_offset=timedelta(minutes=-5))
    assert result.allowed
    assert result.context["clock_corrected"] is True
    assert result.context["corrected_at_utc"] == at(NEW_YORK, 2025, 6, 2, 20, 58).isoformat()


def test_naive_times_and_unknown_zones_are_refused():
    with pytest.raises(ValueError, match="aware"):
        check_contact_time(CN, datetime(2025, 6, 2, 12), SHANGHAI)
    with pytest.raises(ValueError, match="unknown time zone"):
        allowed_windows(CN, date(2025, 6, 2), "Mars/Olympus_Mons")


@pytest.mark.parametrize("tz", [SHANGHAI, NEW_YORK])
def test_planned_window_running_past_22_00_is_blocked_for_the_late_part_only(tz):
    result = check_window(CN, at(tz, 2025, 6, 2, 20), at(tz, 2025, 6, 2, 23), tz)
    (finding,) = result.of(Rule.QUIET)
    assert finding.details["outside_utc"] == [
        [at(tz, 2025, 6, 2, 22).isoformat(), at(tz, 2025, 6, 2, 23).isoformat()]
    ]
    assert check_window(CN, at(tz, 2025, 6, 2, 20), at(tz, 2025, 6, 2, 22), tz).allowed


def test_planned_window_across_midnight_passes_only_with_an_agreed_late_time():
    start, end = at(SHANGHAI, 2025, 6, 2, 23), at(SHANGHAI, 2025, 6, 3, 1)
    assert check_window(CN, start, end, SHANGHAI).blocked
    agreed = (TimeWindow(time(22), time(2)),)
    assert check_window(CN, start, end, SHANGHAI, consented_exceptions=agreed).allowed

"""Properties: check_contact_time and allowed_windows agree on every instant, DST days included."""

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from server.compliance.engine import (
    SEEDED,
    Profile,
    TimeWindow,
    allowed_windows,
    check_contact_time,
    local_date,
)
from server.compliance.engine.intervals import contains

from .support import KOLKATA, LONDON, NEW_YORK, SHANGHAI

ZONES = [SHANGHAI, NEW_YORK, LONDON, KOLKATA, "Australia/Lord_Howe", "America/Santiago"]
DST_DAYS = [
    date(2025, 3, 9),
    date(2025, 11, 2),
    date(2025, 3, 30),
    date(2025, 10, 26),
    date(2025, 4, 6),
    date(2025, 9, 7),
    date(2025, 10, 5),
]

minutes = st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60))
windows = st.builds(TimeWindow, minutes, minutes)
profiles = st.one_of(
    st.sampled_from(list(SEEDED.values())),
    st.lists(windows, max_size=2).map(lambda q: Profile(code="H", name="h", quiet_hours=tuple(q))),
)
days = st.one_of(st.sampled_from(DST_DAYS), st.dates(date(2024, 1, 1), date(2026, 12, 31)))
instants = st.builds(
    lambda d, s: datetime.combine(d, time(0), tzinfo=UTC) + timedelta(seconds=s),
    days,
    st.integers(-14 * 3600, 38 * 3600),
)
appointments = st.builds(
    lambda start, minutes: (start, start + timedelta(minutes=minutes)),
    instants,
    st.integers(1, 600),
)
exceptions = st.lists(st.one_of(windows, appointments), max_size=2)


@settings(max_examples=300, deadline=None)
@given(profiles, st.sampled_from(ZONES), instants, st.lists(windows, max_size=2), exceptions)
def test_an_instant_is_allowed_exactly_when_it_lies_in_an_allowed_window(
    profile, tz, instant, preferences, agreed
):
    verdict = check_contact_time(profile, instant, tz, preferences, agreed)
    intervals = allowed_windows(profile, local_date(instant, tz), tz, preferences, agreed)
    assert verdict.allowed == contains(intervals, instant)


@settings(max_examples=150, deadline=None)
@given(profiles, st.sampled_from(ZONES), days, st.lists(windows, max_size=2), exceptions)
def test_every_window_edge_is_allowed_inside_and_judged_on_its_own_day_outside(
    profile, tz, day, preferences, agreed
):
    intervals = allowed_windows(profile, day, tz, preferences, agreed)
    for start, end in intervals:
        assert start < end
        for inside in (start, start + (end - start) / 2, end - timedelta(microseconds=1)):
            assert local_date(inside, tz) == day
            assert check_contact_time(profile, inside, tz, preferences, agreed).allowed
        # Just outside, the instant is quiet unless it belongs to another day's window.
        for outside in (start - timedelta(microseconds=1), end):
            if local_date(outside, tz) == day:
                assert check_contact_time(profile, outside, tz, preferences, agreed).blocked

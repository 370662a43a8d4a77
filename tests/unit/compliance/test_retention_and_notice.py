from datetime import UTC, date, datetime, timedelta

import pytest

from server.compliance.engine import (
    SEEDED,
    check_purge,
    merge_strictest,
    reminder_due_at,
    retention_cutoff,
)
from server.compliance.engine.verdicts import Rule

from .support import LONDON, NEW_YORK, SHANGHAI, at

CN, US, IN, UK = (SEEDED[c] for c in ("CN", "US", "IN", "UK"))


def test_us_records_are_kept_three_years_after_the_last_activity():
    assert retention_cutoff(US, date(2025, 6, 12)) == date(2028, 6, 12)


def test_the_longest_floor_of_several_profiles_wins():
    assert retention_cutoff([CN, US, UK], date(2025, 6, 12)) == date(2031, 6, 12)
    assert retention_cutoff(merge_strictest([CN, IN]), date(2025, 6, 12)) == date(2030, 6, 12)


def test_a_leap_day_is_kept_until_the_first_of_march_rather_than_purged_early():
    assert retention_cutoff(US, date(2024, 2, 29)) == date(2027, 3, 1)


def test_a_datetime_last_activity_gives_a_datetime_cutoff():
    moment = datetime(2025, 6, 12, 8, 30, tzinfo=UTC)
    assert retention_cutoff(CN, moment) == datetime(2028, 6, 12, 8, 30, tzinfo=UTC)


def test_a_purge_before_the_floor_is_blocked_and_on_the_day_is_allowed():
    early = check_purge([CN, UK], date(2025, 6, 12), date(2031, 6, 11))
    (finding,) = early.findings
    assert (finding.rule, finding.details["purge_from"]) == (Rule.RETENTION, "2031-06-12")
    assert check_purge([CN, UK], date(2025, 6, 12), date(2031, 6, 12)).allowed


def test_retention_needs_at_least_one_profile():
    with pytest.raises(ValueError):
        retention_cutoff([], date(2025, 6, 12))


@pytest.mark.parametrize("tz", [LONDON, SHANGHAI])
def test_the_visit_reminder_is_due_the_notice_period_before_the_visit(tz):
    visit = at(tz, 2025, 6, 12, 10)
    assert reminder_due_at(UK, visit, tz) == visit - timedelta(hours=24)


@pytest.mark.parametrize("tz", [SHANGHAI, NEW_YORK])
def test_a_reminder_that_would_fall_in_quiet_hours_moves_earlier_into_allowed_time(tz):
    late_visit = at(tz, 2025, 6, 12, 23)
    assert reminder_due_at(CN, late_visit, tz) == at(tz, 2025, 6, 11, 21, 45)
    early_visit = at(tz, 2025, 6, 12, 7, 30)
    assert reminder_due_at(CN, early_visit, tz) == at(tz, 2025, 6, 10, 21, 45)


def test_no_reminder_is_due_where_the_profile_asks_for_no_notice():
    assert reminder_due_at(US, at(NEW_YORK, 2025, 6, 12, 10), NEW_YORK) is None

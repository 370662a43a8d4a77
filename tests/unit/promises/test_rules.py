"""The promise rules without a database: deadline, what counts as paid, kept/broken/progress."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from server.promises.rules import (
    BROKEN,
    KEPT,
    PROGRESS,
    Paid,
    deadline,
    decide,
    paid_towards,
    threshold,
)

MADE = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
DUE = date(2026, 3, 10)


def test_the_deadline_is_the_end_of_the_last_grace_day_at_the_debtors_local_midnight():
    assert deadline(DUE, 3, "Asia/Shanghai") == datetime(2026, 3, 13, 16, 0, tzinfo=UTC)
    assert deadline(DUE, 0, "America/New_York") == datetime(2026, 3, 11, 4, 0, tzinfo=UTC)


def test_the_deadline_follows_a_daylight_saving_change_in_the_debtors_zone():
    before, after = deadline(date(2026, 3, 7), 0, "America/New_York"), deadline(DUE, 0,
                                                                               "America/New_York")
    assert before.hour == 5 and after.hour == 4  # EST, then EDT after 8 March


def test_a_shortfall_within_the_tolerance_is_enough_and_the_threshold_is_rounded_to_the_cent():
    assert threshold(Decimal("1000.00"), Decimal("0.01")) == Decimal("990.00")
    assert threshold(Decimal("1000.50"), Decimal("0.01")) == Decimal("990.50")  # 990.495 up
    assert threshold(Decimal("10.00"), Decimal("0")) == Decimal("10.00")


def test_only_money_paid_between_the_promise_and_its_deadline_counts():
    due_by = deadline(DUE, 3, "Asia/Shanghai")
    payments = [
        Paid(Decimal("100"), MADE - timedelta(seconds=1)),  # before the promise
        Paid(Decimal("200"), MADE),  # the very moment it was made: counts
        Paid(Decimal("300"), due_by - timedelta(seconds=1)),  # last second: counts
        Paid(Decimal("400"), due_by),  # the deadline itself: too late
        Paid(Decimal("500"), MADE + timedelta(days=1), voided=True),
        Paid(Decimal("600"), MADE + timedelta(days=1), flagged=True),
        Paid(Decimal("700"), MADE + timedelta(days=1), currency="USD"),
    ]
    assert paid_towards(payments, "CNY", MADE, due_by) == Decimal("500")


def test_enough_paid_keeps_the_promise_even_after_the_deadline():
    due_by = deadline(DUE, 3, "Asia/Shanghai")
    assert decide(Decimal("990"), Decimal("990"), due_by, due_by + timedelta(days=9),
                  Decimal("0")) == KEPT


def test_short_at_the_deadline_breaks_it_and_short_before_it_is_progress_or_nothing():
    due_by = deadline(DUE, 3, "Asia/Shanghai")
    needed = Decimal("990")
    assert decide(Decimal("989.99"), needed, due_by, due_by, Decimal("0")) == BROKEN
    before = due_by - timedelta(seconds=1)
    assert decide(Decimal("300"), needed, due_by, before, Decimal("0")) == PROGRESS
    assert decide(Decimal("300"), needed, due_by, before, Decimal("300")) is None

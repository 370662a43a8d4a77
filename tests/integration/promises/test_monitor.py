"""The promise monitor decides kept/broken from payments, in the debtor's local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from server.compliance.profile_store import seed_profiles
from server.models import Address, FollowUp, PaymentPromise, SyncChange
from server.promises.lifecycle import supersede_previous_promises
from server.promises.monitor import run_promise_monitor
from tests.support import factories as f

SH, NY = "Asia/Shanghai", "America/New_York"
MADE = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
DUE = date(2026, 3, 10)  # CN grace 3 days: the deadline is the end of 13 March, Shanghai time
DEADLINE = datetime(2026, 3, 13, 16, 0, tzinfo=UTC)  # = 14 March 00:00 in Shanghai


def _case(session, tz=SH, jurisdiction="CN"):
    seed_profiles(session)
    case, visit = f.case_with_visit(session)
    case.jurisdiction = jurisdiction
    session.get(Address, visit.address_id).time_zone = tz
    session.flush()
    return case


def _status(session, row):
    session.expire_all()
    return session.get(PaymentPromise, row.id).status


def test_the_exact_amount_paid_before_the_due_date_keeps_the_promise(session):
    case = _case(session)
    ptp = f.promise(session, case, "1000.00", DUE, MADE)
    f.payment(session, case, "1000.00", MADE + timedelta(days=2))
    counts = run_promise_monitor(session, now=MADE + timedelta(days=3))
    assert counts["kept"] == 1 and _status(session, ptp) == "kept"
    assert session.get(PaymentPromise, ptp.id).paid_amount == Decimal("1000.00")


def test_a_shortfall_within_the_tolerance_still_keeps_it_and_one_cent_more_does_not(session):
    case_ok, case_short = _case(session), _case(session)
    ok = f.promise(session, case_ok, "1000.00", DUE, MADE)
    short = f.promise(session, case_short, "1000.00", DUE, MADE)
    f.payment(session, case_ok, "990.00", MADE + timedelta(days=1))  # 1 % short: tolerated
    f.payment(session, case_short, "989.99", MADE + timedelta(days=1))
    run_promise_monitor(session, now=DEADLINE)
    assert (_status(session, ok), _status(session, short)) == ("kept", "broken")


def test_partial_payments_add_up_and_progress_is_shown_before_the_deadline(session):
    case = _case(session)
    ptp = f.promise(session, case, "900.00", DUE, MADE)
    f.payment(session, case, "300.00", MADE + timedelta(days=1))
    counts = run_promise_monitor(session, now=MADE + timedelta(days=2))
    assert counts["paid_progress"] == 1 and _status(session, ptp) == "active"
    assert session.get(PaymentPromise, ptp.id).paid_amount == Decimal("300.00")
    f.payment(session, case, "300.00", MADE + timedelta(days=4))
    f.payment(session, case, "300.00", DEADLINE - timedelta(seconds=1))
    run_promise_monitor(session, now=DEADLINE + timedelta(days=1))
    assert _status(session, ptp) == "kept"


def test_money_paid_after_the_grace_days_or_voided_or_before_the_promise_does_not_count(session):
    case = _case(session)
    ptp = f.promise(session, case, "500.00", DUE, MADE)
    f.payment(session, case, "500.00", MADE - timedelta(hours=1))  # before the promise was made
    f.payment(session, case, "500.00", MADE + timedelta(days=1), voided_at=MADE + timedelta(days=2))
    f.payment(session, case, "500.00", DEADLINE)  # first instant of 14 March in Shanghai
    counts = run_promise_monitor(session, now=DEADLINE + timedelta(hours=1))
    assert counts["broken"] == 1 and _status(session, ptp) == "broken"


def test_the_deadline_is_the_debtors_local_midnight_not_utc(session):
    case = _case(session)
    ptp = f.promise(session, case, "100.00", DUE, MADE)
    before = run_promise_monitor(session, now=DEADLINE - timedelta(seconds=1))
    assert before["broken"] == 0 and _status(session, ptp) == "active"
    after = run_promise_monitor(session, now=DEADLINE)
    assert after["broken"] == 1 and _status(session, ptp) == "broken"


def test_a_new_york_deadline_across_the_spring_forward_night_uses_the_new_offset(session):
    case = _case(session, tz=NY, jurisdiction="US")
    # Due 5 March + 3 grace days: the deadline is 9 March 00:00 EDT (04:00 UTC), not EST (05:00).
    ptp = f.promise(session, case, "100.00", date(2026, 3, 5), MADE)
    deadline = datetime(2026, 3, 9, tzinfo=ZoneInfo(NY)).astimezone(UTC)
    assert deadline == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
    f.payment(session, case, "100.00", deadline + timedelta(minutes=30))
    run_promise_monitor(session, now=deadline + timedelta(hours=2))
    assert _status(session, ptp) == "broken"


def test_a_broken_promise_gets_one_follow_up_and_a_feed_note_however_often_the_job_runs(session):
    case = _case(session)
    ptp = f.promise(session, case, "100.00", DUE, MADE)
    first = run_promise_monitor(session, now=DEADLINE)
    second = run_promise_monitor(session, now=DEADLINE + timedelta(hours=1))
    [follow_up] = session.scalars(select(FollowUp)).all()
    timed = {"revisits_due": 0, "revisits_cancelled": 0, "timing_batches": 1, "pending_left": 0}
    assert first == {"kept": 0, "broken": 1, "paid_progress": 0, "follow_ups": 1,
                     "calls_due": 1, "calls_cancelled": 0, **timed}
    assert second == {"kept": 0, "broken": 0, "paid_progress": 0, "follow_ups": 0,
                      "calls_due": 0, "calls_cancelled": 0, **timed}
    assert follow_up.dedupe_key == f"broken:{ptp.id}" and follow_up.kind == "call"
    assert follow_up.status == "open"
    notes = session.scalar(select(func.count()).where(SyncChange.table_name == "payment_promises",
                                                      SyncChange.row_id == ptp.id))
    assert notes >= 2  # created by the ORM, then the status change by the monitor


def test_superseded_promises_are_left_alone(session):
    case = _case(session)
    old = f.promise(session, case, "100.00", DUE, MADE)
    new = f.promise(session, case, "300.00", DUE + timedelta(days=5), MADE + timedelta(days=1))
    assert supersede_previous_promises(session, [new.id]) == [old.id]
    f.payment(session, case, "100.00", MADE + timedelta(days=2))
    run_promise_monitor(session, now=DEADLINE + timedelta(days=10))
    session.expire_all()
    stored_old = session.get(PaymentPromise, old.id)
    assert (stored_old.status, stored_old.superseded_by) == ("superseded", new.id)
    assert _status(session, new) == "broken"


def test_a_late_arriving_older_promise_is_superseded_by_the_active_newer_one(session):
    case = _case(session)
    newer = f.promise(session, case, "300.00", DUE, MADE + timedelta(days=1))
    older = f.promise(session, case, "100.00", DUE, MADE)
    assert supersede_previous_promises(session, [older.id]) == [older.id]
    assert supersede_previous_promises(session, [older.id]) == []
    assert _status(session, newer) == "active"


def test_a_lender_profile_with_more_grace_moves_the_deadline(session):
    from server.compliance.engine import seeded_profile
    from server.models import RuleProfile

    case = _case(session)
    params = {**seeded_profile("CN").to_dict(), "code": "L5", "promise_grace_days": 5}
    session.add(RuleProfile(code="L5", scope="lender", agency_id=case.lender_id, params=params))
    ptp = f.promise(session, case, "100.00", DUE, MADE)
    run_promise_monitor(session, now=DEADLINE + timedelta(days=1))
    assert _status(session, ptp) == "active"
    run_promise_monitor(session, now=DEADLINE + timedelta(days=2))
    assert _status(session, ptp) == "broken"

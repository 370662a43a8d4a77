"""A promise made during a visit and broken gets a revisit timed like one after NOT_HOME:
the first allowed visit window within visit caps, interval, cease, vulnerability and holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.compliance.profile_store import seed_profiles
from server.models import Address, ContactAttempt, FollowUp, JobRun, OptOut, Party, utcnow
from server.promises.monitor import run_promise_monitor
from tests.support import factories as f

SH, URUMQI, NY, KOLKATA = "Asia/Shanghai", "Asia/Urumqi", "America/New_York", "Asia/Kolkata"
DUE = date(2026, 3, 10)  # grace 3 days: broken from 14 March 00:00 local


def local(tz, *parts):
    return datetime(*parts, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _visit(session, tz=SH, jurisdiction="CN"):
    seed_profiles(session)
    case, visit = f.case_with_visit(session, on=date(2026, 3, 1))
    session.get(Address, visit.address_id).time_zone = tz
    case.jurisdiction = jurisdiction
    session.flush()
    return case, visit


def _broken(session, case, visit, tz, at, **kw):
    """A promise made at the visit, past its deadline at `at`; the monitor runs then."""
    f.promise(session, case, "100.00", DUE, local(tz, 2026, 3, 1, 10), visit_id=visit.id)
    counts = run_promise_monitor(session, now=at, **kw)
    session.expire_all()
    return counts, session.scalar(select(FollowUp).where(FollowUp.case_id == case.id))


@pytest.mark.parametrize(("tz", "jurisdiction"), [(SH, "CN"), (URUMQI, "CN"), (NY, "US")])
def test_a_promise_broken_late_at_night_gets_a_revisit_at_eight_next_morning_local(
        session, tz, jurisdiction):
    case, visit = _visit(session, tz, jurisdiction)
    counts, revisit = _broken(session, case, visit, tz, local(tz, 2026, 3, 14, 23))
    assert counts["broken"] == 1 and counts["revisits_due"] == 1 and counts["calls_due"] == 0
    assert (revisit.kind, revisit.status, revisit.visit_id) == ("revisit", "open", visit.id)
    assert revisit.due_at == local(tz, 2026, 3, 15, 8)
    assert revisit.resolution is None and revisit.completed_at is None


def test_a_promise_broken_just_after_midnight_gets_a_revisit_the_same_morning(session):
    case, visit = _visit(session, NY, "US")
    _, revisit = _broken(session, case, visit, NY, local(NY, 2026, 3, 14, 0, 10))
    assert revisit.due_at == local(NY, 2026, 3, 14, 8)


def test_the_debtors_preferred_hours_move_the_revisit_to_them(session):
    case, visit = _visit(session)
    session.get(Party, case.debtor_id).preferred_windows = [{"from": "18:00", "to": "20:00"}]
    session.flush()
    _, revisit = _broken(session, case, visit, SH, local(SH, 2026, 3, 14, 10))
    assert revisit.due_at == local(SH, 2026, 3, 14, 18)


@pytest.mark.parametrize(("stop", "rule"), [("cease_request", "CEASE"),
                                            ("visit_opt_out", "CEASE"),
                                            ("vulnerable", "VULNERABLE")])
def test_a_debtor_who_must_not_be_visited_gets_the_revisit_cancelled_naming_the_rule(
        session, stop, rule):
    case, visit = _visit(session, NY, "US")
    if stop == "cease_request":
        session.add(OptOut(party_id=case.debtor_id, channel="all", reason="cease"))
    elif stop == "visit_opt_out":
        session.add(OptOut(party_id=case.debtor_id, channel="visit"))
    else:
        session.get(Party, case.debtor_id).vulnerable = True
    session.flush()
    at = local(NY, 2026, 3, 14, 12)
    counts, revisit = _broken(session, case, visit, NY, at)
    assert (counts["revisits_due"], counts["revisits_cancelled"]) == (0, 1)
    assert revisit.status == "cancelled" and revisit.completed_at == at
    assert revisit.resolution.startswith(f"revisit skipped: {rule}: ")


def test_a_blocking_hold_moves_the_revisit_to_the_day_after_it(session):
    case, visit = _visit(session, KOLKATA, "IN")  # IN: sensitive holds block visits
    debtor = session.get(Party, case.debtor_id)
    debtor.hold_until, debtor.hold_reason = date(2026, 3, 20), "bereavement"
    session.flush()
    _, revisit = _broken(session, case, visit, KOLKATA, local(KOLKATA, 2026, 3, 14, 10))
    assert revisit.status == "open" and revisit.due_at == local(KOLKATA, 2026, 3, 21, 8)


def test_a_visit_cap_reached_by_the_promises_own_visit_moves_the_revisit_to_a_later_day(
        session):
    case, visit = _visit(session, NY, "US-MA")  # Massachusetts: one visit per 30 days
    session.add(ContactAttempt(case_id=case.id, party_id=case.debtor_id, channel="visit",
                               occurred_at=local(NY, 2026, 3, 1, 10), source_table="visits",
                               source_id=visit.id))
    session.flush()
    counts, revisit = _broken(session, case, visit, NY, local(NY, 2026, 3, 14, 23))
    assert counts["revisits_due"] == 1 and revisit.status == "open"
    # Every 30-day window holding 1 March is full until 30 March; the 31st starts a free one.
    assert revisit.due_at == local(NY, 2026, 3, 31, 8)


def test_a_visit_cap_full_over_the_horizon_cancels_the_revisit_with_the_cap(session):
    case, visit = _visit(session, NY, "US-MA")
    for day in (date(2026, 3, 1), date(2026, 4, 10)):
        session.add(ContactAttempt(case_id=case.id, party_id=case.debtor_id, channel="visit",
                                   occurred_at=local(NY, day.year, day.month, day.day, 10)))
    session.flush()
    _, revisit = _broken(session, case, visit, NY, local(NY, 2026, 3, 14, 23))
    assert revisit.status == "cancelled" and "VISIT_CAP" in revisit.resolution


def test_calls_and_revisits_of_a_backlog_are_timed_together_in_bounded_batches(session):
    made = []
    for _ in range(3):
        case, visit = _visit(session)
        made.append(f.promise(session, case, "100.00", DUE, local(SH, 2026, 3, 1, 10),
                              visit_id=visit.id))
        f.promise(session, _visit(session)[0], "100.00", DUE, local(SH, 2026, 3, 1, 10))
    counts = run_promise_monitor(session, now=local(SH, 2026, 3, 14, 23), batch=2,
                                 clock=lambda: 0.0)
    assert (counts["follow_ups"], counts["revisits_due"], counts["calls_due"]) == (6, 3, 3)
    assert (counts["timing_batches"], counts["pending_left"]) == (2, 0)
    rows = session.scalars(select(FollowUp)).all()
    assert {r.status for r in rows} == {"open"}
    assert {r.due_at for r in rows} == {local(SH, 2026, 3, 15, 8)}


def test_the_job_run_twice_makes_one_revisit_in_allowed_hours(session, runner):
    case, visit = _visit(session)
    today = utcnow().date()
    f.promise(session, case, "100.00", today - timedelta(days=10),
              utcnow() - timedelta(days=20), visit_id=visit.id)
    session.commit()
    started = utcnow()
    for _ in range(2):
        result = runner.invoke(args=["jobs", "run-once", "promise_monitor"])
        assert result.exit_code == 0, result.output
    session.expire_all()
    [revisit] = session.scalars(select(FollowUp)).all()
    first, second = session.scalars(select(JobRun).order_by(JobRun.started_at)).all()
    assert first.counts["follow_ups"] == 1 and first.counts["revisits_due"] == 1
    assert second.counts["follow_ups"] == 0 and second.counts["revisits_due"] == 0
    assert (revisit.kind, revisit.status) == ("revisit", "open")
    assert revisit.dedupe_key.startswith("broken:")
    due_local = revisit.due_at.astimezone(ZoneInfo(SH))
    assert 8 <= due_local.hour < 22  # CN quiet hours 22:00-08:00
    assert started - timedelta(seconds=1) <= revisit.due_at <= started + timedelta(days=1)

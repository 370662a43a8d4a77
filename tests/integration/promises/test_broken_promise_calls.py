"""A broken promise's call follow-up is due when the call rules first allow a call, or cancelled."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.compliance.engine import seeded_profile
from server.compliance.profile_store import seed_profiles
from server.followups import backlog
from server.models import (
    Address,
    ContactAttempt,
    ContactPoint,
    FollowUp,
    JobRun,
    OptOut,
    Party,
    RuleProfile,
    utcnow,
)
from server.promises.monitor import run_promise_monitor
from server.unit_of_work import checkpoint
from tests.support import factories as f

SH, URUMQI, NY = "Asia/Shanghai", "Asia/Urumqi", "America/New_York"
DUE = date(2026, 3, 10)  # grace 3 days: broken from 14 March 00:00 local


def local(tz, *parts):
    return datetime(*parts, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _case(session, tz=SH, jurisdiction="CN"):
    seed_profiles(session)
    case, visit = f.case_with_visit(session)
    session.get(Address, visit.address_id).time_zone = tz
    session.add(ContactPoint(party_id=case.debtor_id, value="13800000000"))
    case.jurisdiction = jurisdiction
    session.flush()
    return case


def _broken(session, case, tz, at, **kw):
    """A promise past its deadline at `at`; the monitor runs then; returns (counts, follow-up)."""
    f.promise(session, case, "100.00", DUE, local(tz, 2026, 3, 1, 10))
    counts = run_promise_monitor(session, now=at, **kw)
    session.expire_all()
    return counts, session.scalar(select(FollowUp).where(FollowUp.case_id == case.id))


def _calls(session, case, at_list, connected=False, point=None):
    for at in at_list:
        session.add(ContactAttempt(case_id=case.id, party_id=case.debtor_id, channel="call",
                                   occurred_at=at, connected=connected, contact_point_id=point))
    session.flush()


@pytest.mark.parametrize(("tz", "jurisdiction"), [(SH, "CN"), (URUMQI, "CN"), (NY, "US")])
def test_a_promise_broken_at_23_local_gets_a_call_at_eight_next_morning_in_the_debtors_zone(
        session, tz, jurisdiction):
    case = _case(session, tz, jurisdiction)
    counts, call = _broken(session, case, tz, local(tz, 2026, 3, 14, 23))
    assert counts["broken"] == 1 and counts["calls_due"] == 1
    assert (call.kind, call.status, call.resolution) == ("call", "open", None)
    assert call.due_at == local(tz, 2026, 3, 15, 8)


def test_a_promise_broken_in_allowed_hours_gets_a_call_due_at_once(session):
    case = _case(session, URUMQI)
    at = local(URUMQI, 2026, 3, 14, 10, 15)
    _, call = _broken(session, case, URUMQI, at)
    assert call.status == "open" and call.due_at == at


def test_the_debtors_preferred_hours_move_the_call_to_them(session):
    case = _case(session)
    session.get(Party, case.debtor_id).preferred_windows = [{"from": "18:00", "to": "20:00"}]
    session.flush()
    _, call = _broken(session, case, SH, local(SH, 2026, 3, 14, 10))
    assert call.due_at == local(SH, 2026, 3, 14, 18)


@pytest.mark.parametrize("stop", ["call_opt_out", "cease_request", "attorney", "number_opt_out"])
def test_a_debtor_who_stopped_calls_gets_the_call_cancelled_naming_the_rule(session, stop):
    case = _case(session, NY, "US")
    debtor = session.get(Party, case.debtor_id)
    if stop == "call_opt_out":
        session.add(OptOut(party_id=debtor.id, channel="call"))
    elif stop == "cease_request":
        session.add(OptOut(party_id=debtor.id, channel="all", reason="cease"))
    elif stop == "attorney":
        debtor.attorney_represented = True
    else:
        point = session.scalar(select(ContactPoint).where(ContactPoint.party_id == debtor.id))
        session.add(OptOut(party_id=debtor.id, contact_point_id=point.id, channel="call"))
    session.flush()
    at = local(NY, 2026, 3, 14, 12)
    counts, call = _broken(session, case, NY, at)
    assert (counts["calls_due"], counts["calls_cancelled"]) == (0, 1)
    assert call.status == "cancelled" and call.completed_at == at
    assert call.resolution.startswith("call skipped: CEASE: no call contact")


def test_an_sms_opt_out_or_a_second_number_without_opt_out_leaves_the_call_open(session):
    case = _case(session)
    first = session.scalar(select(ContactPoint).where(ContactPoint.party_id == case.debtor_id))
    session.add(OptOut(party_id=case.debtor_id, contact_point_id=first.id, channel="call"))
    session.add(OptOut(party_id=case.debtor_id, channel="sms"))
    session.add(ContactPoint(party_id=case.debtor_id, value="13900000000",
                             created_at=first.created_at + timedelta(seconds=1)))
    session.flush()
    _, call = _broken(session, case, SH, local(SH, 2026, 3, 14, 9))
    assert call.status == "open" and call.due_at == local(SH, 2026, 3, 14, 9)


def test_a_debtor_at_the_daily_connected_call_cap_on_another_debt_is_called_the_next_day(
        session):
    case = _case(session)
    other = f.case_with_visit(session)[0]
    other.debtor_id = case.debtor_id  # same debtor, another lender's debt: the cap is per debtor
    session.flush()
    _calls(session, other, [local(SH, 2026, 3, 14, h) for h in (8, 9, 10)], connected=True)
    _, call = _broken(session, case, SH, local(SH, 2026, 3, 14, 11))
    assert call.status == "open" and call.due_at == local(SH, 2026, 3, 15, 8)


def test_six_unanswered_calls_to_the_number_today_move_the_call_to_tomorrow(session):
    case = _case(session, URUMQI)
    point = session.scalar(select(ContactPoint.id).where(ContactPoint.party_id == case.debtor_id))
    _calls(session, case, [local(URUMQI, 2026, 3, 14, 8, m) for m in range(0, 60, 10)],
           point=point)
    _, call = _broken(session, case, URUMQI, local(URUMQI, 2026, 3, 14, 12))
    assert call.due_at == local(URUMQI, 2026, 3, 15, 8)


def test_reg_f_seven_calls_in_seven_days_wait_until_a_seven_day_window_has_room(session):
    case = _case(session, NY, "US")
    _calls(session, case, [local(NY, 2026, 3, 12, 9, m) for m in range(7)])
    _, call = _broken(session, case, NY, local(NY, 2026, 3, 14, 12))
    # Every 7-day window holding 12 March is full until the 18th; the 19th starts a free one.
    assert call.due_at == local(NY, 2026, 3, 19, 8)


def test_no_allowed_day_within_the_horizon_cancels_the_call_with_the_cap(session):
    case = _case(session)
    params = {**seeded_profile("CN").to_dict(), "code": "L60",
              "call_caps": [{"count": 1, "days": 60, "consent_exempt": False}]}
    session.add(RuleProfile(code="L60", scope="lender", agency_id=case.lender_id, params=params))
    _calls(session, case, [local(SH, 2026, 3, 13, 10)])
    _, call = _broken(session, case, SH, local(SH, 2026, 3, 14, 10))
    assert call.status == "cancelled" and "CALL_CAP" in call.resolution


def _backlog(session, n):
    for _ in range(n):
        f.promise(session, _case(session), "100.00", DUE, local(SH, 2026, 3, 1, 10))
    return local(SH, 2026, 3, 14, 23)


def test_a_backlog_is_timed_in_several_bounded_batches_within_one_run(session):
    at = _backlog(session, 5)
    counts = run_promise_monitor(session, now=at, batch=2, clock=lambda: 0.0)
    assert (counts["follow_ups"], counts["calls_due"]) == (5, 5)
    assert (counts["timing_batches"], counts["pending_left"]) == (3, 0)  # 2 + 2 + 1
    assert session.scalars(select(FollowUp.status)).all() == ["open"] * 5
    assert run_promise_monitor(session, now=at, batch=2)["timing_batches"] == 1  # nothing left


def test_the_time_budget_stops_the_timing_and_the_next_run_goes_on(session):
    at = _backlog(session, 5)
    ticks = itertools.count(0, 10)  # each look at the clock: 10 s later
    first = run_promise_monitor(session, now=at, batch=2, budget_s=15, clock=lambda: next(ticks))
    # Started at 0; after batch 1 it is 10 s (< 15: go on), after batch 2 20 s (stop).
    assert (first["calls_due"], first["timing_batches"], first["pending_left"]) == (4, 2, 1)
    statuses = sorted(session.scalars(select(FollowUp.status)).all())
    assert statuses == ["open"] * 4 + ["pending"]
    second = run_promise_monitor(session, now=at + timedelta(minutes=15), batch=2, budget_s=0)
    assert (second["follow_ups"], second["calls_due"], second["pending_left"]) == (0, 1, 0)
    assert session.scalars(select(FollowUp.status)).all() == ["open"] * 5


def test_a_spent_budget_still_times_one_batch(session):
    at = _backlog(session, 3)
    counts = run_promise_monitor(session, now=at, batch=2, budget_s=0)
    assert (counts["calls_due"], counts["timing_batches"], counts["pending_left"]) == (2, 1, 1)


def test_the_job_keeps_each_timed_batch_even_when_a_later_one_fails(session, monkeypatch):
    at = _backlog(session, 4)
    session.commit()
    real, batches = backlog.time_call_follow_ups, []

    def second_fails(*args):
        batches.append(1)
        if len(batches) == 2:
            raise RuntimeError("engine bug")
        return real(*args)

    monkeypatch.setattr(backlog, "time_call_follow_ups", second_fails)
    with pytest.raises(RuntimeError):
        run_promise_monitor(session, now=at, batch=2, clock=lambda: 0.0, after_batch=checkpoint)
    session.rollback()
    statuses = sorted(session.scalars(select(FollowUp.status)).all())
    assert statuses == ["open"] * 2 + ["pending"] * 2  # the first batch was committed


def test_the_job_run_twice_makes_one_call_follow_up_in_allowed_hours(session, runner):
    case = _case(session)
    today = utcnow().date()
    f.promise(session, case, "100.00", today - timedelta(days=10),
              utcnow() - timedelta(days=20))
    session.commit()
    started = utcnow()
    for _ in range(2):
        result = runner.invoke(args=["jobs", "run-once", "promise_monitor"])
        assert result.exit_code == 0, result.output
    session.expire_all()
    [call] = session.scalars(select(FollowUp)).all()
    first, second = session.scalars(select(JobRun).order_by(JobRun.started_at)).all()
    assert first.counts["follow_ups"] == 1 and first.counts["calls_due"] == 1
    assert second.counts["follow_ups"] == 0 and second.counts["calls_due"] == 0
    assert call.status == "open" and call.dedupe_key.startswith("broken:")
    due_local = call.due_at.astimezone(ZoneInfo(SH))
    assert 8 <= due_local.hour < 22  # CN quiet hours 22:00-08:00
    assert started - timedelta(seconds=1) <= call.due_at <= started + timedelta(days=1)

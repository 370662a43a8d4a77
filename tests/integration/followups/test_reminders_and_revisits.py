"""Reminders land in allowed hours and respect opt-outs; revisits follow NOT_HOME within caps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.compliance.profile_store import seed_profiles
from server.followups.reminders import queue_reminders
from server.followups.revisits import schedule_revisits
from server.models import Address, ContactAttempt, ContactPoint, FollowUp, OptOut, OutboxMessage
from tests.support import factories as f

SH, NY = "Asia/Shanghai", "America/New_York"


def local(tz, *parts):
    return datetime(*parts, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _case(session, tz=SH, jurisdiction="CN", phone=True, **party):
    seed_profiles(session)
    case, visit = f.case_with_visit(session, on=date(2026, 3, 2))
    case.jurisdiction = jurisdiction
    session.get(Address, visit.address_id).time_zone = tz
    if phone:
        session.add(ContactPoint(party_id=case.debtor_id, value="13800000000"))
    session.flush()
    return case, visit


def test_a_promise_reminder_is_queued_once_the_day_before_at_ten_local(session):
    case, _ = _case(session)
    ptp = f.promise(session, case, "500.00", date(2026, 3, 11), local(SH, 2026, 3, 1, 10))
    early = queue_reminders(session, local(SH, 2026, 3, 9, 23, 0), SH)
    first = queue_reminders(session, local(SH, 2026, 3, 10, 0, 30), SH)
    second = queue_reminders(session, local(SH, 2026, 3, 10, 0, 40), SH)
    [message] = session.scalars(select(OutboxMessage)).all()
    assert early["queued"] == 0 and first["queued"] == 1 and second["queued"] == 0
    assert message.dedupe_key == f"ptp-reminder:{ptp.id}"
    assert message.due_at == local(SH, 2026, 3, 10, 10, 0)
    assert message.recipient == "13800000000"


def test_a_reminder_asked_for_late_in_the_evening_is_not_sent_in_quiet_hours(session):
    case, _ = _case(session, tz=NY, jurisdiction="US")
    f.promise(session, case, "500.00", date(2026, 3, 11), local(NY, 2026, 3, 1, 10))
    counts = queue_reminders(session, local(NY, 2026, 3, 10, 21, 30), NY)
    assert counts.get("no_allowed_hours") == 1 and counts["queued"] == 0


def test_no_reminder_for_a_debtor_who_asked_to_stop_sms(session):
    case, _ = _case(session)
    session.add(OptOut(party_id=case.debtor_id, channel="sms"))
    f.promise(session, case, "500.00", date(2026, 3, 11), local(SH, 2026, 3, 1, 10))
    counts = queue_reminders(session, local(SH, 2026, 3, 10, 9), SH)
    assert counts == {"no_consent_to_contact": 1, "queued": 0}


def test_a_cn_visit_notice_is_queued_24_hours_ahead(session):
    _, visit = _case(session)
    visit.scheduled_on = date(2026, 3, 12)
    visit.window_start = local(SH, 2026, 3, 12, 10)
    session.flush()
    assert queue_reminders(session, local(SH, 2026, 3, 10, 10), SH)["queued"] == 0  # too early
    assert queue_reminders(session, local(SH, 2026, 3, 11, 9, 30), SH)["queued"] == 1
    message = session.scalar(select(OutboxMessage))
    assert message.template == "visit_notice"
    assert message.due_at == local(SH, 2026, 3, 11, 10)


def test_a_late_visit_notice_is_due_when_quiet_hours_end_not_at_two_in_the_morning(session):
    _, visit = _case(session)
    visit.scheduled_on = date(2026, 3, 12)
    visit.window_start = local(SH, 2026, 3, 12, 10)  # planned at short notice: 24 h are gone
    session.flush()
    assert queue_reminders(session, local(SH, 2026, 3, 12, 2, 2), SH)["queued"] == 1
    message = session.scalar(select(OutboxMessage))
    assert message.due_at == local(SH, 2026, 3, 12, 8)  # the first allowed moment, local time


def test_a_late_visit_notice_inside_allowed_hours_is_due_at_once(session):
    _, visit = _case(session)
    visit.scheduled_on = date(2026, 3, 12)
    visit.window_start = local(SH, 2026, 3, 12, 15)
    session.flush()
    assert queue_reminders(session, local(SH, 2026, 3, 12, 9, 30), SH)["queued"] == 1
    assert session.scalar(select(OutboxMessage.due_at)) == local(SH, 2026, 3, 12, 9, 30)


def test_not_home_leads_to_one_revisit_in_the_next_allowed_window(session):
    collector = f.user(session, "collector")
    _, visit = _case(session)
    f.outcome(session, visit, collector, local(SH, 2026, 3, 2, 19), code="NOT_HOME")
    now = local(SH, 2026, 3, 2, 20)
    first = schedule_revisits(session, now, SH)
    second = schedule_revisits(session, now, SH)
    [revisit] = session.scalars(select(FollowUp)).all()
    assert first == {"revisits": 1, "skipped": 0} and second == {"revisits": 0, "skipped": 0}
    # CN: at least 7 days between visits on a debt (warn), allowed hours from 08:00.
    assert revisit.kind == "revisit" and revisit.status == "open"
    assert revisit.due_at == local(SH, 2026, 3, 9, 8)


def test_a_revisit_that_would_break_a_visit_cap_is_skipped_with_the_reason(session):
    collector = f.user(session, "collector")
    case, visit = _case(session, tz=NY, jurisdiction="US-MA")
    # Massachusetts: one visit per 30 days. Two earlier visits fill every window in the horizon.
    for day in (date(2026, 2, 20), date(2026, 3, 25)):
        session.add(ContactAttempt(case_id=case.id, party_id=case.debtor_id, channel="visit",
                                   occurred_at=local(NY, day.year, day.month, day.day, 10)))
    f.outcome(session, visit, collector, local(NY, 2026, 3, 2, 11), code="NOT_HOME")
    counts = schedule_revisits(session, local(NY, 2026, 3, 2, 12), NY)
    [row] = session.scalars(select(FollowUp)).all()
    assert counts == {"revisits": 0, "skipped": 1}
    assert row.status == "cancelled" and "VISIT_CAP" in row.resolution
    assert schedule_revisits(session, local(NY, 2026, 3, 2, 13), NY)["skipped"] == 0


def test_a_spring_forward_day_still_starts_allowed_hours_at_eight_local(session):
    collector = f.user(session, "collector")
    _, visit = _case(session, tz=NY, jurisdiction="US")
    f.outcome(session, visit, collector, local(NY, 2026, 3, 7, 15), code="NOT_HOME")
    schedule_revisits(session, local(NY, 2026, 3, 7, 16), NY)
    revisit = session.scalar(select(FollowUp))
    assert revisit.due_at == local(NY, 2026, 3, 8, 8)  # 12:00 UTC on the DST day, not 13:00
    assert revisit.due_at == datetime(2026, 3, 8, 12, tzinfo=UTC)
    assert timedelta(0) < revisit.due_at - local(NY, 2026, 3, 7, 16)

"""Each job, run twice, creates nothing twice; dpd, escalation and the purge do their job."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from server.cases.accounts import bucket_of, recompute_dpd
from server.compliance.purge import purge_expired_cases
from server.followups.escalation import escalate_stale_visits
from server.models import (
    Account,
    AuditEvent,
    Case,
    CaseEvent,
    CaseRequestFact,
    ContactPoint,
    FollowUp,
    JobRun,
    OfferRequest,
    Party,
    Payment,
    PaymentOffer,
    VisitNote,
)
from tests.support import factories as f

NOW = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_buckets_follow_the_dpd_bands():
    assert [bucket_of(d) for d in (0, 1, 30, 31, 60, 61, 150, 151, 400)] == [
        "M0", "M1", "M1", "M2", "M2", "M3", "M5", "M6+", "M6+"]


def test_dpd_is_recomputed_from_due_since_and_a_second_run_changes_nothing(session):
    case, _ = f.case_with_visit(session)
    account = f.account_of(session, case)
    today = date(2026, 3, 20)
    for due_since, dpd, bucket in ((today - timedelta(days=31), 31, "M2"),
                                   (today, 0, "M0"), (None, 0, "M0"),
                                   (today - timedelta(days=151), 151, "M6+")):
        account.due_since = due_since
        session.flush()
        recompute_dpd(session, today)
        session.expire_all()
        account = session.get(Account, account.id)
        assert (account.dpd, account.bucket) == (dpd, bucket)
    assert recompute_dpd(session, today) == {"accounts_changed": 0}


def test_a_visit_still_assigned_two_days_after_its_date_gets_one_review(session):
    collector = f.user(session, "collector")
    _, stale = f.case_with_visit(session, collectors=[collector], on=date(2026, 3, 17))
    f.case_with_visit(session, collectors=[collector], on=date(2026, 3, 19))  # only one day late
    first = escalate_stale_visits(session, date(2026, 3, 20), 2, NOW)
    second = escalate_stale_visits(session, date(2026, 3, 20), 2, NOW)
    [review] = session.scalars(select(FollowUp)).all()
    assert (first, second) == ({"follow_ups": 1}, {"follow_ups": 0})
    assert (review.kind, review.visit_id, review.dedupe_key) == ("review", stale.id,
                                                                  f"stale:{stale.id}")


def test_the_retention_purge_anonymises_old_closed_cases_keeps_money_and_audits(session):
    old, old_visit = f.case_with_visit(session)
    recent, _ = f.case_with_visit(session)
    for case, closed in ((old, NOW - timedelta(days=3 * 366)), (recent, NOW - timedelta(days=700))):
        case.status, case.closed_at = "closed", closed
    session.add(ContactPoint(party_id=old.debtor_id, value="13800000000"))
    f.fact(session, VisitNote, NOW - timedelta(days=1200), visit_id=old_visit.id,
           body="邻居说他在外地")
    paid = f.payment(session, old, "100.00", NOW - timedelta(days=1200))
    said = f.fact(session, CaseRequestFact, NOW - timedelta(days=1200), case_id=old.id,
                  kind="phone_reported", value="13900001111", note="new number")
    session.add(CaseEvent(case_id=old.id, kind="third_party_report", note="neighbour: moved"))
    session.flush()

    counts = purge_expired_cases(session, NOW)
    again = purge_expired_cases(session, NOW)
    session.commit()  # audit events join the chain when the purge's transaction commits

    session.expire_all()
    assert counts["cases"] == 1 and counts["parties"] == 1 and again["cases"] == 0
    debtor = session.get(Party, old.debtor_id)
    assert (debtor.full_name, debtor.national_id) == ("[purged]", None)
    assert session.get(Party, recent.debtor_id).full_name == "张三"  # 3-year floor not reached
    assert session.scalar(select(ContactPoint.value)) == "[purged]"
    assert session.scalar(select(VisitNote.body)) == "[purged]"
    assert session.get(Payment, paid.id).amount == paid.amount
    assert session.get(Case, old.id).purged_at is not None
    stored = session.get(CaseRequestFact, said.id)
    assert (stored.kind, stored.value, stored.note) == ("phone_reported", None, None)
    assert session.scalar(select(CaseEvent.note)) is None
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.purged"))
    assert event.detail["cases"] == 1 and event.detail["addresses"] == 1


def test_run_once_records_each_run_and_every_job_runs_twice_cleanly(runner, session):
    names = ["promise_monitor", "reminders", "revisits", "stale_visits", "dpd_recompute",
             "retention_purge", "imports", "planning"]
    session.commit()
    for name in names * 2:
        result = runner.invoke(args=["jobs", "run-once", name])
        assert result.exit_code == 0, result.output
    runs = session.scalars(select(JobRun)).all()
    assert len(runs) == 2 * len(names) and {r.status for r in runs} == {"succeeded"}
    assert all(r.finished_at >= r.started_at for r in runs)
    listing = runner.invoke(args=["jobs", "list"])
    assert "promise_monitor" in listing.output and "succeeded" in listing.output


def test_the_retention_purge_drops_what_was_said_about_an_offer_and_keeps_its_money(session):
    old, visit = f.case_with_visit(session)
    old.status, old.closed_at = "closed", NOW - timedelta(days=3 * 366)
    collector = f.user(session, "collector")
    account = f.account_of(session, old)
    schedule = [{"due_on": "2023-01-10", "amount": "500.00"}]
    made = f.fact(session, OfferRequest, NOW - timedelta(days=1200), collector, case_id=old.id,
                  visit_id=visit.id, kind="settlement", amount=Decimal("500.00"),
                  schedule=schedule, note="pays after the harvest")
    offer = PaymentOffer(case_id=old.id, account_id=account.id, lender_id=old.lender_id,
                         kind="settlement", balance=Decimal("8000.00"), amount=Decimal("500.00"),
                         discount=Decimal("7500.00"), schedule=schedule, note="harvest",
                         status="refused", decision_note="his brother can pay",
                         proposed_by=collector.id)
    session.add(offer)
    session.flush()

    counts = purge_expired_cases(session, NOW)
    session.commit()

    session.expire_all()
    assert (counts["offer_requests"], counts["payment_offers"]) == (1, 1)
    kept = session.get(OfferRequest, made.id)
    assert (kept.note, kept.amount, kept.schedule) == (None, Decimal("500.00"), schedule)
    decided = session.get(PaymentOffer, offer.id)
    assert (decided.note, decided.decision_note, decided.status, decided.discount) == (
        None, None, "refused", Decimal("7500.00"))

"""The delivery job: sends once, re-checks the rules at send time, retries with back-off."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import event, select

from server.extensions import db
from server.messaging.gateway import PermanentError, TransientError
from server.models import ContactAttempt, ContactPoint, OptOut, OutboxMessage, Party
from tests.support.messaging import (
    SH,
    Clock,
    Recorder,
    debtor_case,
    deliver,
    delivery,
    local,
    queue,
)

TEN = local(SH, 2026, 3, 10, 10, 0)


def _reload(session, row) -> OutboxMessage:
    session.expire_all()
    found = session.get(OutboxMessage, row.id)
    session.commit()
    return found


def test_a_due_message_is_sent_once_and_enters_the_contact_ledger(app, session):
    case = debtor_case(session)
    message = queue(session, case, TEN - timedelta(minutes=5))
    later = queue(session, case, TEN + timedelta(hours=1))
    session.commit()
    provider, clock = Recorder(), Clock(TEN)
    first = deliver(session, delivery(provider, clock))
    again = deliver(session, delivery(provider, clock))
    assert first == {"sent": 1} and again == {}
    assert [m.message_id for m in provider.sent] == [message.id]
    row = _reload(session, message)
    assert row.status == "sent" and row.sent_at == TEN and row.provider_ref == f"ref-{row.id}"
    assert _reload(session, later).status == "pending"
    [attempt] = session.scalars(select(ContactAttempt)).all()
    assert (attempt.channel, attempt.source_id, attempt.party_id) == ("sms", row.id,
                                                                       case.debtor_id)


def test_a_reminder_queued_for_two_in_the_morning_waits_for_the_legal_window(app, session):
    case = debtor_case(session)
    message = queue(session, case, local(SH, 2026, 3, 10, 2, 2))
    session.commit()
    provider, clock = Recorder(), Clock(local(SH, 2026, 3, 10, 2, 2))
    assert deliver(session, delivery(provider, clock)) == {"deferred": 1}
    row = _reload(session, message)
    assert row.status == "pending" and row.due_at == local(SH, 2026, 3, 10, 8, 0)
    assert row.attempts == 0 and "outside the allowed hours" in row.last_error
    clock.now = local(SH, 2026, 3, 10, 8, 0)
    assert deliver(session, delivery(provider, clock)) == {"sent": 1}
    assert len(provider.sent) == 1


def test_an_sms_opt_out_recorded_after_queueing_blocks_the_message(app, session):
    case = debtor_case(session)
    point = session.scalar(select(ContactPoint).where(ContactPoint.party_id == case.debtor_id))
    message = queue(session, case, TEN)
    session.add(OptOut(party_id=case.debtor_id, contact_point_id=point.id, channel="sms"))
    session.commit()
    provider = Recorder()
    assert deliver(session, delivery(provider, Clock(TEN))) == {"blocked": 1}
    row = _reload(session, message)
    assert row.status == "blocked" and "opt out" in row.last_error and provider.sent == []


def test_an_attorney_or_a_cease_request_blocks_every_message(app, session):
    represented, ceased = debtor_case(session), debtor_case(session)
    session.get(Party, represented.debtor_id).attorney_represented = True
    session.add(OptOut(party_id=ceased.debtor_id, channel="all", reason="cease"))
    queue(session, represented, TEN)
    queue(session, ceased, TEN)
    session.commit()
    provider = Recorder()
    assert deliver(session, delivery(provider, Clock(TEN))) == {"blocked": 2}
    reasons = session.scalars(select(OutboxMessage.last_error)).all()
    assert sorted("attorney" in r for r in reasons) == [False, True]
    assert provider.sent == []


def test_a_number_marked_invalid_after_queueing_is_not_messaged(session):
    case = debtor_case(session)
    point = session.scalar(select(ContactPoint).where(ContactPoint.party_id == case.debtor_id))
    point.valid = False
    message = queue(session, case, TEN)
    stranger = queue(session, case, TEN, recipient="13999999999")
    provider = Recorder()
    assert deliver(session, delivery(provider, Clock(TEN))) == {"blocked": 2}
    assert "valid contact point" in _reload(session, message).last_error
    assert _reload(session, stranger).status == "blocked" and provider.sent == []


def test_a_hold_moves_the_message_past_its_end(app, session):
    case = debtor_case(session)
    party = session.get(Party, case.debtor_id)
    party.hold_until, party.hold_reason = date(2026, 3, 12), "bereavement"
    message = queue(session, case, TEN)
    session.commit()
    assert deliver(session, delivery(Recorder(), Clock(TEN))) == {"deferred": 1}
    assert _reload(session, message).due_at == local(SH, 2026, 3, 13, 8, 0)


def test_the_daily_cap_counts_messages_of_the_same_batch_and_defers_the_rest(app, session):
    case = debtor_case(session)
    rows = [queue(session, case, TEN - timedelta(minutes=k)) for k in range(4)]
    session.commit()
    provider = Recorder()
    assert deliver(session, delivery(provider, Clock(TEN), daily_cap=3)) == {"sent": 3,
                                                                         "deferred": 1}
    [left] = [r for r in rows if _reload(session, r).status == "pending"]
    assert _reload(session, left).due_at == local(SH, 2026, 3, 11, 8, 0)


def test_transient_failures_retry_with_exponential_back_off_then_fail(app, session):
    case = debtor_case(session)
    message = queue(session, case, TEN)
    session.commit()
    provider, clock = Recorder(), Clock(TEN)
    provider.errors = [TransientError("429 throttled")] * 3
    waits = []
    for _ in range(3):
        deliver(session, delivery(provider, clock, max_attempts=3))
        row = _reload(session, message)
        waits.append(row.due_at - clock.now)
        clock.now = row.due_at
    row = _reload(session, message)
    assert waits[:2] == [timedelta(seconds=60), timedelta(seconds=120)]
    assert row.status == "failed" and row.attempts == 3 and "gave up" in row.last_error
    assert provider.sent == [] and session.scalar(select(ContactAttempt)) is None


def test_a_permanent_refusal_fails_at_once(app, session):
    case = debtor_case(session)
    message = queue(session, case, TEN)
    session.commit()
    provider = Recorder()
    provider.errors = [PermanentError("21211 invalid number")]
    run = delivery(provider, Clock(TEN))
    assert deliver(session, run) == {"failed": 1}
    row = _reload(session, message)
    assert row.status == "failed" and row.failed_at == TEN and "21211" in row.last_error
    assert run.observed == [("fake", "failed", 1)]


def test_the_registered_template_in_the_debtors_language_is_what_is_sent(app, session):
    from server.messaging.templates import save_template

    case = debtor_case(session)
    session.get(Party, case.debtor_id).language = "en"
    for language, body in (("zh-CN", "{name}您好，明天{date}请留意。"),
                           ("en", "Hello {name}, a reminder for {date}.")):
        save_template(session, None, {"code": "ptp_reminder", "language": language,
                                      "body": body, "provider_template_id": "SMS_9",
                                      "sign_name": "Doorstep"})
    queue(session, case, TEN, params={"name": "Zhang\n\x07STOP", "date": "2026-03-11"})
    session.commit()
    provider = Recorder()
    deliver(session, delivery(provider, Clock(TEN)))
    [sent] = provider.sent
    assert sent.body == "Hello Zhang  STOP, a reminder for 2026-03-11."
    assert (sent.template_id, sent.sign_name) == ("SMS_9", "Doorstep")


def test_a_batch_costs_the_same_statements_whatever_its_size(app, session):
    def statements(n: int) -> int:
        with app.app_context():
            for _ in range(n):
                queue(db.session, debtor_case(db.session), TEN)
            db.session.commit()
            seen = []
            db.session.commit()
            listener = lambda *args: seen.append(1)  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                deliver(db.session, delivery(Recorder(), Clock(TEN), chunk=1000))
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            return len(seen)

    small, large = statements(3), statements(40)
    assert large == small

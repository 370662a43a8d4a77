"""Signed provider callbacks: receipts settle messages (and the case timeline shows it),
stop words record an SMS opt-out as the debtor's request, other replies go to a person."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from server.messaging.signatures import hmac_signature
from server.models import (
    CaseEvent,
    ContactAttempt,
    FollowUp,
    InboundMessage,
    OptOut,
    OutboxMessage,
    utcnow,
)
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.messaging import (
    Clock,
    Recorder,
    daytime_zone,
    debtor_case,
    deliver,
    delivery,
    queue,
)

TOKEN, SECRET = "twilio-auth-token", "relay-secret"
BASE = "http://localhost/api/v1/messaging"


@pytest.fixture(autouse=True)
def secrets(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "MESSAGING_CALLBACK_SECRET", SECRET)


def _twilio(client, path, form, token=TOKEN):
    signature = RequestValidator(token).compute_signature(f"{BASE}/{path}", form)
    return client.post(f"/api/v1/messaging/{path}", data=form,
                       headers={"X-Twilio-Signature": signature})


def _aliyun(client, path, items, secret=SECRET):
    body = json.dumps(items).encode()
    return client.post(f"/api/v1/messaging/{path}", data=body, content_type="application/json",
                       headers={"X-Doorstep-Signature": hmac_signature(secret, body)})


def _sent(session, provider_name="twilio"):
    """A case with one message sent (through the delivery run) at the current time."""
    case = debtor_case(session, tz=daytime_zone())
    message = queue(session, case, utcnow() - timedelta(minutes=1))
    session.commit()
    provider = Recorder(name=provider_name)
    assert deliver(session, delivery(provider, Clock(utcnow()))) == {"sent": 1}
    return case, session.get(OutboxMessage, message.id)


def test_a_signed_twilio_receipt_marks_the_message_delivered_on_the_timeline(client, session):
    case, message = _sent(session)
    admin = f.user(session, role="admin")
    session.commit()
    answer = _twilio(client, "receipts/twilio", {"MessageSid": message.provider_ref,
                                                 "MessageStatus": "delivered"})
    assert answer.status_code == 200 and answer.get_json()["counts"] == {"delivered": 1}
    session.expire_all()
    assert session.get(OutboxMessage, message.id).status == "delivered"
    assert session.scalar(select(ContactAttempt.outcome)) == "delivered"
    session.commit()
    feed = client.get(f"/api/v1/cases/{case.id}/timeline?kind=message",
                      headers=bearer(login(client, admin.username))).get_json()
    assert [e["event"] for e in feed["entries"]] == ["queued", "sent", "delivered"]


def test_an_unsigned_or_missigned_callback_is_refused_and_changes_nothing(client, session):
    _, message = _sent(session)
    form = {"MessageSid": message.provider_ref, "MessageStatus": "failed"}
    unsigned = client.post("/api/v1/messaging/receipts/twilio", data=form)
    forged = _twilio(client, "receipts/twilio", form, token="guessed")
    relayed = _aliyun(client, "receipts/aliyun", [{"out_id": message.id, "success": False}],
                      secret="guessed")
    assert [r.status_code for r in (unsigned, forged, relayed)] == [403, 403, 403]
    assert unsigned.get_json()["code"] == 403 and "Twilio" in unsigned.get_json()["message"]
    session.expire_all()
    assert session.get(OutboxMessage, message.id).status == "sent"


def test_an_aliyun_failure_report_fails_the_message_but_not_after_delivery(client, session):
    _, failed = _sent(session, "aliyun")
    _, delivered = _sent(session, "aliyun")
    reports = [{"out_id": failed.id, "success": False, "err_code": "MOBILE_NOT_ON_SERVICE",
                "err_msg": "停机", "report_time": "2026-03-10 10:00:05"},
               {"out_id": delivered.id, "success": True, "err_code": "DELIVERED"},
               {"out_id": delivered.id, "success": False, "err_code": "LATE"},
               {"out_id": "nobody", "success": True}]
    answer = _aliyun(client, "receipts/aliyun", reports)
    assert answer.status_code == 200
    assert answer.get_json() == {"code": 0, "msg": "成功", "counts": {
        "delivered": 1, "failed": 1, "unknown_ref": 1}}
    session.expire_all()
    row = session.get(OutboxMessage, failed.id)
    assert row.status == "failed" and "MOBILE_NOT_ON_SERVICE" in row.last_error
    assert row.failed_at.isoformat().startswith("2026-03-10T02:00:05")
    assert session.get(OutboxMessage, delivered.id).status == "delivered"


def test_a_td_reply_records_an_sms_opt_out_as_the_debtors_request_at_once(client, session):
    case = debtor_case(session, phone="13900139000")
    waiting = queue(session, case, utcnow(), recipient="13900139000")
    session.commit()
    answer = _aliyun(client, "inbound/aliyun", [{"phone_number": "13900139000",
                                                 "content": " td ", "sequence_id": 77,
                                                 "send_time": "2026-03-10 10:00:00"}])
    assert answer.get_json()["counts"] == {"opt_out": 1}
    [event] = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    [opt_out] = session.scalars(select(OptOut)).all()
    assert (event.kind, event.channel, event.detail["channel"]) == ("stop_contact", "sms", "sms")
    assert opt_out.channel == "sms" and opt_out.contact_point_id == event.detail[
        "contact_point_id"]
    session.commit()
    assert deliver(session, delivery(Recorder(), Clock(utcnow()))) == {"blocked": 1}
    session.expire_all()
    assert session.get(OutboxMessage, waiting.id).status == "blocked"


def test_stop_words_in_chinese_english_and_the_configured_list_all_opt_out(app, client,
                                                                          session, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGING_STOP_WORDS", ["取消短信"])
    phones = ["13900000001", "13900000002", "13900000003"]
    for phone in phones:
        debtor_case(session, phone=phone)
    session.commit()
    for k, (phone, word) in enumerate(zip(phones, ("退订", "Stop!", "取消短信"), strict=True)):
        answer = _twilio(client, "inbound/twilio", {"MessageSid": f"SM{k}",
                                                    "From": f"+86{phone}", "Body": word})
        assert answer.get_json()["counts"] == {"opt_out": 1}, word
    assert len(session.scalars(select(OptOut)).all()) == 3


def test_any_other_reply_lands_on_the_case_for_a_person_once(client, session):
    case = debtor_case(session, phone="13900139001")
    session.commit()
    reply = {"MessageSid": "SMreply1", "From": "+8613900139001", "Body": "我下周一还"}
    first = _twilio(client, "inbound/twilio", reply)
    replay = _twilio(client, "inbound/twilio", reply)
    assert first.get_json()["counts"] == replay.get_json()["counts"] == {"for_review": 1}
    [task] = session.scalars(select(FollowUp).where(FollowUp.case_id == case.id)).all()
    [row] = session.scalars(select(InboundMessage)).all()
    assert task.kind == "review" and "我下周一还" in task.reason
    assert row.follow_up_id == task.id and row.case_id == case.id
    assert session.scalar(select(OptOut)) is None


def test_a_reply_from_an_unknown_number_is_kept_unmatched(client, session):
    answer = _twilio(client, "inbound/twilio", {"MessageSid": "SMx", "From": "+15550100",
                                                "Body": "who is this"})
    assert answer.get_json()["counts"] == {"unmatched": 1}


def test_a_malformed_push_is_a_4xx_naming_the_field(client, session):
    bad = _aliyun(client, "receipts/aliyun", {"not": "a list"})
    missing = _twilio(client, "receipts/twilio", {"MessageStatus": "delivered"})
    assert bad.status_code == 422 and "body" in bad.get_json()["errors"]
    assert missing.status_code == 422 and "MessageSid" in missing.get_json()["errors"]


def test_every_callback_refuses_an_unsigned_request_with_403(client, session):
    for kind in ("receipts", "inbound"):
        for provider in ("twilio", "aliyun"):
            answer = client.post(f"/api/v1/messaging/{kind}/{provider}", json=[])
            assert answer.status_code == 403, (kind, provider)

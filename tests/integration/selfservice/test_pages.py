"""The debtor's self-service page over HTTP, on both databases: opening a link, proving who
you are, and each action taking effect as the field's does (channel self_service, audited)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.clock import local_today
from server.models import (
    AuditEvent,
    CaseEvent,
    Complaint,
    FollowUp,
    OptOut,
    PaymentPromise,
    SelfServiceLink,
    Visit,
    VisitAssignee,
    utcnow,
)
from tests.support.selfservice import ID_LAST4, csrf, linked_case, prove, recorder, wait_for_code

SH = "Asia/Shanghai"


def _proven(app, session):
    world = linked_case(session, app)
    client, rec = app.test_client(), recorder(app)
    answer = prove(client, rec, world.path)
    assert answer.status_code == 302
    return world, client, rec


def _post(client, path, data):
    token = csrf(client.get(path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def test_a_proven_debtor_sees_only_what_they_owe(app, session):
    world, client, rec = _proven(app, session)
    page = client.get("/s/").get_data(as_text=True)

    assert "您的欠款" in page  # Simplified Chinese by default
    assert "8000.00" in page and "张三" not in page and "310101" not in page
    assert "人民大道" not in page  # no address: minimum data
    assert rec.sent[0].recipient == "13800000000"
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == world.case_id)).all()
    assert {"self_service.link_opened", "self_service.code_requested",
            "self_service.verified", "self_service.summary_read"} <= set(actions)


def test_wrong_answers_get_one_answer_and_lock_the_link(app, session):
    world = linked_case(session, app)
    client, rec = app.test_client(), recorder(app)
    page = client.get(world.path, follow_redirects=True).get_data(as_text=True)
    token = csrf(page)
    client.post("/s/code", data={"csrf_token": token})
    code = wait_for_code(rec)
    wrong_id = client.post("/s/verify", data={"csrf_token": token, "code": code,
                                              "id_digits": "9999"})
    wrong_code = client.post("/s/verify", data={"csrf_token": token, "code": "000000",
                                                "id_digits": ID_LAST4})
    assert wrong_id.status_code == wrong_code.status_code == 422
    assert wrong_id.get_data(as_text=True) == wrong_code.get_data(as_text=True)
    for _ in range(3):
        client.post("/s/verify", data={"csrf_token": token, "code": "1", "id_digits": "1"})
    locked = client.post("/s/verify", data={"csrf_token": token, "code": code,
                                            "id_digits": ID_LAST4})
    assert locked.status_code == 429
    assert client.get("/s/").status_code == 200 and "8000.00" not in client.get(
        "/s/").get_data(as_text=True)


def test_codes_are_rate_limited_and_a_debtor_without_a_number_gets_the_same_answer(app,
                                                                                   session):
    world = linked_case(session, app)
    client = app.test_client()
    recorder(app)
    token = csrf(client.get(world.path, follow_redirects=True).get_data(as_text=True))
    answers = [client.post("/s/code", data={"csrf_token": token}) for _ in range(4)]
    assert [a.status_code for a in answers] == [302, 302, 302, 429]

    other = linked_case(session, app)
    from server.models import Case, ContactPoint
    debtor = session.get(Case, other.case_id).debtor_id
    for point in session.scalars(select(ContactPoint).where(ContactPoint.party_id == debtor)):
        point.valid = False
    session.commit()
    client2 = app.test_client()
    token2 = csrf(client2.get(other.path, follow_redirects=True).get_data(as_text=True))
    none = client2.post("/s/code", data={"csrf_token": token2})
    assert none.status_code == answers[0].status_code
    assert none.headers["Location"] == answers[0].headers["Location"]


def test_forms_need_the_csrf_token_and_a_bad_or_revoked_link_opens_nothing(app, session):
    world = linked_case(session, app)
    client = app.test_client()
    client.get(world.path)
    assert client.post("/s/code", data={}).status_code == 400
    assert client.get("/s/not-a-token", follow_redirects=True).status_code == 404
    session.get(SelfServiceLink, world.link_id).revoked_at = utcnow()
    session.commit()
    assert client.get("/s/").status_code == 404
    assert app.test_client().get(world.path).status_code == 404


def test_an_online_promise_postpones_the_visit_and_is_the_fields_fact(app, session):
    world, client, _ = _proven(app, session)
    page = client.get("/s/promise").get_data(as_text=True)
    account = page.split('name="account_id">')[1].split('value="')[1].split('"')[0]
    due = local_today(utcnow(), SH) + timedelta(days=5)
    too_far = local_today(utcnow(), SH) + timedelta(days=400)
    refused = _post(client, "/s/promise", {"account_id": account, "amount": "500",
                                           "due_on": too_far.isoformat()})
    assert refused.status_code == 422
    done = _post(client, "/s/promise", {"account_id": account, "amount": "500.00",
                                        "due_on": due.isoformat()})
    assert done.status_code == 200
    session.expire_all()
    promise = session.scalar(select(PaymentPromise).where(
        PaymentPromise.case_id == world.case_id))
    visit = session.get(Visit, world.visit_id)
    assert promise.due_on == due and promise.user_id is None
    assert visit.scheduled_on == due + timedelta(days=1) and visit.status == "planned"
    assert session.scalars(select(VisitAssignee.ended_at).where(
        VisitAssignee.visit_id == visit.id)).all()[0] is not None


def test_a_stop_visits_request_cancels_the_visit_as_in_the_field(app, session):
    world, client, _ = _proven(app, session)
    done = _post(client, "/s/request/stop", {"channel": "visit", "note": "<b>不要来</b>"})
    assert done.status_code == 200
    session.expire_all()
    event = session.scalar(select(CaseEvent).where(CaseEvent.case_id == world.case_id))
    assert (event.kind, event.channel) == ("stop_contact", "self_service")
    assert session.get(Visit, world.visit_id).status == "cancelled"
    assert session.scalar(select(OptOut.channel).where(OptOut.id == event.detail[
        "opt_out_id"])) == "visit"


def test_a_complaint_starts_its_clock_and_user_text_is_escaped(app, session):
    world, client, _ = _proven(app, session)
    bad = _post(client, "/s/request/complaint", {"category": "nonsense", "note": "x"})
    assert bad.status_code == 422
    done = _post(client, "/s/request/complaint", {"category": "conduct",
                                                  "note": "<script>x</script>"})
    assert done.status_code == 200
    session.expire_all()
    complaint = session.scalar(select(Complaint).where(Complaint.case_id == world.case_id))
    assert complaint.channel == "self_service" and complaint.due_at is not None
    assert "<script>x</script>" not in done.get_data(as_text=True)


def test_a_call_back_time_is_one_the_rules_allow(app, session):
    world, client, _ = _proven(app, session)
    page = client.get("/s/time/call").get_data(as_text=True)
    first = page.split('name="at">')[1].split('value="')[1].split('"')[0]
    assert _post(client, "/s/time/call", {"at": "2020-01-01T03:00:00+00:00"}
                 ).status_code == 422
    assert _post(client, "/s/time/call", {"at": first}).status_code == 200
    session.expire_all()
    row = session.scalar(select(FollowUp).where(FollowUp.case_id == world.case_id))
    assert row.kind == "call" and row.due_at.isoformat() == first
    local = row.due_at.astimezone(__import__("zoneinfo").ZoneInfo(SH))
    # CN quiet hours are 22:00-08:00: an hour's slot starts at 08:00 at the earliest and
    # ends by 22:00, so 21:00 is the last start (the failure this replaced read "< 21")
    assert local.minute == 0 and 8 <= local.hour <= 21


def test_a_proof_of_payment_lands_for_review_and_other_files_are_refused(app, session):
    world, client, _ = _proven(app, session)
    token = csrf(client.get("/s/proof").get_data(as_text=True))
    import io
    refused = client.post("/s/proof", data={"csrf_token": token, "file": (
        io.BytesIO(b"MZ\x90\x00not an image"), "x.exe")},
        content_type="multipart/form-data")
    assert refused.status_code == 422
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    done = client.post("/s/proof", data={"csrf_token": token, "file": (
        io.BytesIO(png), "receipt.png")}, content_type="multipart/form-data")
    assert done.status_code == 200
    session.expire_all()
    row = session.scalar(select(FollowUp).where(FollowUp.case_id == world.case_id))
    assert row.kind == "review"


def test_a_corrected_phone_number_is_the_fields_phone_report(app, session):
    world, client, _ = _proven(app, session)
    assert _post(client, "/s/request/phone", {"value": "13912345678"}).status_code == 200
    session.expire_all()
    event = session.scalar(select(CaseEvent).where(CaseEvent.case_id == world.case_id))
    assert (event.kind, event.channel) == ("phone_reported", "self_service")


def test_a_time_offered_stays_acceptable_until_it_begins(app, session):
    """Times are offered from an hour ahead; a debtor who chose slowly (the page loaded at
    09:10, sent at 10:05 local) still gets 11:00, and a start already past is refused."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import pytest

    from server.errors import InvalidInput
    from server.messaging import selfservice as service

    world = linked_case(session, app)
    link = session.get(SelfServiceLink, world.link_id)
    day = local_today(utcnow(), SH) + timedelta(days=1)
    loaded = datetime.combine(day, datetime.min.time(), ZoneInfo(SH)).replace(hour=9, minute=10)
    eleven, sent = loaded.replace(hour=11, minute=0), loaded.replace(hour=10, minute=5)
    assert service.slots(session, link, loaded)[0] == eleven
    assert service.ask_call_back(session, link, {"at": eleven.isoformat()}, sent
                                 ).due_at == eleven
    with pytest.raises(InvalidInput):
        service.ask_call_back(session, link, {"at": loaded.replace(
            hour=10, minute=0).isoformat()}, sent)

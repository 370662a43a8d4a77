"""Reminders carry the self-service link when their template asks for it: the link works,
a second reminder re-uses it, a revoked one is never sent again, and switched off there is
none (and the message keeps its plain text when sent)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.clock import local_today
from server.jobs.registry import JOBS, JobSettings
from server.messaging.delivery import _outgoing
from server.messaging.links import open_link
from server.messaging.reminder_links import ReminderLinks
from server.messaging.templates import TemplateBook, save_template
from server.models import AuditEvent, OutboxMessage, SelfServiceLink, utcnow
from tests.support import factories as f
from tests.support.messaging import SH, debtor_case, local
from tests.support.selfservice import prove, recorder

BASE = "https://pay.example.test"
BODY = "您好，提醒您{date}有一项约定的事项，可在线处理：{link}"


def _morning(days=0):
    today = local_today(utcnow(), SH) + timedelta(days=days)
    return local(SH, today.year, today.month, today.day, 9, 0)


def _remind(app, session, now, **links):
    settings = JobSettings(SH, reminder_links=ReminderLinks(app.config["SECRET_KEY"], BASE,
                                                            **links))
    return JOBS["reminders"].work(settings)(session, now)


def _setup(session, template=True):
    case = debtor_case(session)
    if template:
        save_template(session, None, {"code": "ptp_reminder", "body": BODY,
                                      "jurisdiction": "CN"})
    return case


def _promise_for(session, case, now):
    return f.promise(session, case, "500.00", local_today(now, SH) + timedelta(days=1),
                     now - timedelta(days=3))


def _messages(session):
    return session.scalars(select(OutboxMessage).order_by(OutboxMessage.due_at)).all()


def test_a_reminder_carries_a_link_that_opens_the_self_service_page(app, session):
    case = _setup(session)
    now = _morning()
    _promise_for(session, case, now)
    counts = _remind(app, session, now)
    [message] = _messages(session)
    url = message.params["link"]
    assert counts["queued"] == 1 and counts["with_link"] == 1
    assert url.startswith(f"{BASE}/s/") and url in message.body
    assert "500" not in message.body  # no amount: a third party may read it
    session.commit()
    issued = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "self_service.link_issued")).all()
    assert [e.detail["via"] for e in issued] == ["reminder"]
    session.commit()

    debtor = app.test_client()
    assert prove(debtor, recorder(app), url.removeprefix(BASE)).status_code == 302
    assert "8000.00" in debtor.get("/s/").get_data(as_text=True)


def test_a_second_reminder_re_uses_the_open_link_and_a_revoked_one_is_not_sent_again(
        app, session):
    case = _setup(session)
    secret = app.config["SECRET_KEY"]
    for day in (0, 1):
        now = _morning(day)
        _promise_for(session, case, now)
        _remind(app, session, now)
    first, second = _messages(session)
    [link] = session.scalars(select(SelfServiceLink)).all()
    for message in (first, second):
        token = message.params["link"].rsplit("/", 1)[1]
        assert open_link(session, secret, token, _morning(1)).id == link.id

    link.revoked_at = _morning(1)
    now = _morning(2)
    _promise_for(session, case, now)
    _remind(app, session, now)
    third = _messages(session)[-1]
    fresh = open_link(session, secret, third.params["link"].rsplit("/", 1)[1], now)
    assert fresh.id != link.id and fresh.revoked_at is None
    assert len(session.scalars(select(SelfServiceLink)).all()) == 2


def test_a_link_close_to_its_end_is_not_handed_out_again(app, session):
    case = _setup(session)
    now = _morning()
    _promise_for(session, case, now)
    _remind(app, session, now, days=2)
    later = _morning(1)  # one day left on the first link
    _promise_for(session, case, later)
    _remind(app, session, later, days=2)
    assert len(session.scalars(select(SelfServiceLink)).all()) == 2


def test_switched_off_there_is_no_link_and_the_message_keeps_its_plain_text(app, session):
    case = _setup(session)
    now = _morning()
    _promise_for(session, case, now)
    counts = _remind(app, session, now, enabled=False)
    [message] = _messages(session)
    assert counts["queued"] == 1 and "with_link" not in counts
    assert "link" not in message.params and "/s/" not in message.body
    assert session.scalars(select(SelfServiceLink)).all() == []
    sent = _outgoing(message, TemplateBook(session, {"ptp_reminder"}), "zh-CN")
    assert sent.body == message.body  # not a failure for the missing {link}


def test_a_template_that_does_not_ask_for_a_link_gets_none(app, session):
    case = _setup(session, template=False)
    now = _morning()
    _promise_for(session, case, now)
    _remind(app, session, now)
    [message] = _messages(session)
    assert "link" not in message.params
    assert session.scalars(select(SelfServiceLink)).all() == []


def test_a_link_longer_than_other_variables_is_filled_whole():
    from server.messaging.templates import fill

    url = BASE + "/s/" + "x" * 150
    assert fill("请见：{link}", {"link": url}).endswith(url)
    assert len(fill("{name}", {"name": "y" * 150})) == 64

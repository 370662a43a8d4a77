"""A delivery run killed mid-batch sends nothing twice: claims outlive the process, and what
becomes of them depends on whether the provider drops repeated idempotency keys."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from server.messaging.claims import claim_batch
from server.messaging.twilio_sms import TwilioSms
from server.models import OutboxMessage, utcnow
from tests.support.fake_servers import FakeTwilio
from tests.support.messaging import (
    Clock,
    Recorder,
    daytime_zone,
    debtor_case,
    deliver,
    delivery,
    queue,
)

CHILD = """
import sys
from sqlalchemy.orm import sessionmaker
from server import create_app
from server.extensions import db
from server.messaging.delivery import Delivery, DeliverySettings, deliver_outbox
from server.messaging.gateway import Gateway
from server.messaging.twilio_sms import TwilioSms

url, base, sid, token = sys.argv[1:5]
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "AUDIT_HMAC_KEY": "y",
                  "AUDIT_ANCHOR_FILE": "", "RATELIMIT_ENABLED": False})
with app.app_context():
    run = Delivery(Gateway({"sms": TwilioSms(sid, token, "+15005550006", base)}),
                   DeliverySettings(batch_size=20, chunk=5, concurrency=1, daily_cap=0,
                                    lease_s=300), {})
    deliver_outbox(sessionmaker(bind=db.engine), run)
"""


@pytest.fixture
def twilio():
    fake = FakeTwilio().start()
    yield fake
    fake.close()


@pytest.mark.slow
def test_a_run_killed_mid_batch_sends_no_message_twice(app, session, twilio):
    tz = daytime_zone()
    cases = [debtor_case(session, tz=tz, phone=f"1380000{k:04d}") for k in range(30)]
    for case in cases:
        queue(session, case, utcnow() - timedelta(minutes=1), recipient=case_phone(session,
                                                                                    case))
    session.commit()
    twilio.hold_after = 12  # two chunks recorded, two sends of the third made, then it hangs
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    child = subprocess.Popen([sys.executable, "-c", CHILD, app.config["SQLALCHEMY_DATABASE_URI"],
                              twilio.url, twilio.account_sid, twilio.auth_token], env=env)
    try:
        assert twilio.holding.wait(60), "the run never reached the fake"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    twilio.hold_after = None
    twilio.release.set()
    statuses = dict(session.execute(select(OutboxMessage.status, func.count())
                                    .group_by(OutboxMessage.status)).all())
    session.commit()
    assert statuses == {"sent": 10, "sending": 10, "pending": 10}
    provider = TwilioSms(twilio.account_sid, twilio.auth_token, "+15005550006", twilio.url)
    run = delivery(provider, Clock(utcnow() + timedelta(minutes=10)), daily_cap=0)
    counts = deliver(session, run)
    assert counts == {"reclaimed": 10, "sent": 20}
    keys = [m["key"] for m in twilio.sent]
    assert len(keys) == len(set(keys)) == 30  # the two unrecorded sends were dropped at Twilio
    assert twilio.requests >= 33
    assert session.scalars(select(OutboxMessage.status).distinct()).all() == ["sent"]


def case_phone(session, case) -> str:
    from server.models import ContactPoint

    return session.scalar(select(ContactPoint.value).where(
        ContactPoint.party_id == case.debtor_id))


def test_an_interrupted_send_on_a_provider_without_idempotency_is_not_resent(app, session):
    now = utcnow()
    case = debtor_case(session)
    message = queue(session, case, now - timedelta(minutes=1))
    session.commit()
    factory = sessionmaker(bind=session.get_bind())
    with factory() as other:  # a run claims the row, then dies before recording anything
        claim_batch(other, now, 10, timedelta(minutes=5), "dead-run")
        other.commit()
    provider = Recorder(idempotent=False)
    assert deliver(session, delivery(provider, Clock(now + timedelta(minutes=1)))) == {}
    assert deliver(session, delivery(provider, Clock(now + timedelta(minutes=6)))) == {
        "unknown": 1}
    row = session.get(OutboxMessage, message.id)
    assert row.status == "unknown" and "idempotency" in row.last_error
    assert provider.sent == []

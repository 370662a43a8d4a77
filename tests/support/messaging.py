"""Builders for messaging tests: a debtor with a phone, queued messages, a recording provider
and a delivery run over the test database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import sessionmaker

from server.compliance.profile_store import seed_profiles
from server.messaging.delivery import Delivery, DeliverySettings, deliver_outbox
from server.messaging.gateway import Gateway, Outgoing, SendResult
from server.models import Address, ContactPoint, OutboxMessage, new_id
from tests.support import factories as f

SH = "Asia/Shanghai"
PHONE = "13800000000"


def local(tz, *parts) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(tz)).astimezone(UTC)


class Recorder:
    """A provider that keeps what it was given; `errors` are raised in turn first."""

    def __init__(self, name="fake", channel="sms", idempotent=True):
        self.name, self.channel, self.idempotent = name, channel, idempotent
        self.sent: list[Outgoing] = []
        self.errors: list[Exception] = []
        self._lock = threading.Lock()

    def send(self, message: Outgoing) -> SendResult:
        with self._lock:
            if self.errors:
                raise self.errors.pop(0)
            self.sent.append(message)
        return SendResult(f"ref-{message.message_id}")


def debtor_case(session, tz=SH, jurisdiction="CN", phone=PHONE, collectors=()):
    """A case whose debtor lives in `tz` and has one valid mobile number (placed with the
    agency of `collectors`, if any)."""
    seed_profiles(session)
    case, visit = f.case_with_visit(session, collectors=collectors)
    case.jurisdiction = jurisdiction
    session.get(Address, visit.address_id).time_zone = tz
    session.add(ContactPoint(party_id=case.debtor_id, value=phone))
    session.flush()
    return case


def queue(session, case, due_at, template="ptp_reminder", body="您好，请留意明天的约定。",
          recipient=PHONE, channel="sms", params=None) -> OutboxMessage:
    row = OutboxMessage(id=new_id(), case_id=case.id, channel=channel, recipient=recipient,
                        template=template, body=body, due_at=due_at, params=params,
                        dedupe_key=f"test:{new_id()}")
    session.add(row)
    session.flush()
    return row


def daytime_zone() -> str:
    """A fixed-offset zone where it is about noon now, so quiet hours hold nothing back
    (for tests on the real clock: another process, or receipts stamped with the time)."""
    from server.models import utcnow

    offset = (12 - utcnow().hour + 12) % 24 - 12  # -12 … +11 hours from UTC
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


class Clock:
    """A settable clock for delivery runs."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def delivery(provider, clock, **settings) -> Delivery:
    observed = []
    run = Delivery(Gateway({provider.channel: provider}),
                   DeliverySettings(**{"backoff_s": 60, "concurrency": 2, **settings}), {},
                   clock, observe=lambda p, s, n: observed.append((p, s, n)))
    run.observed = observed
    return run


def deliver(session, run) -> dict:
    """One delivery run on the test database; the test's own transaction is ended first
    (SQLite holds its write lock for a whole transaction)."""
    session.commit()
    return deliver_outbox(sessionmaker(bind=session.get_bind()), run)

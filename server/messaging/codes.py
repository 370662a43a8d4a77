"""Proving who opened a self-service link: a one-time code to the number on file plus the
last digits of the debtor's id.

Every answer is the same whether or not the debtor has a number on file or an id at all, and
whichever of the two answers was wrong; codes expire, a link gets a few codes per quarter hour
and per day, and a run of wrong answers locks it for a while. Only a keyed hash of a code is
stored; the code itself goes out through the messaging gateway (`make run`: the log provider).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.errors import RateLimited
from server.messaging.gateway import Outgoing
from server.messaging.wording_marks import N_
from server.models import ContactPoint, OptOut, Party, SelfServiceCode, SelfServiceLink, new_id

CODE_DIGITS = 6
CODE_MINUTES = 10
CODES_PER_QUARTER = 3
CODES_PER_DAY = 8
ATTEMPTS_PER_CODE = 5
FAILURES_BEFORE_LOCK = 5
LOCK_MINUTES = 30
ID_DIGITS = 4
SENT = N_("if the details we hold match, a code is on its way to the number on file")
WRONG = N_("the code or the id digits are not right, or the code has expired")
LOCKED = N_("too many tries; try again later")


@dataclass(frozen=True)
class CodeToSend:
    """A code to hand to the gateway after the transaction commits (None: nobody to send to,
    which the debtor is never told)."""

    outgoing: Outgoing | None


def _hash(secret: str, link_id: str, code: str) -> str:
    return hmac.new(secret.encode(), f"{link_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _number_on_file(session: Session, party_id: str) -> str | None:
    """The debtor's first valid phone (a code is transactional: asked for by the debtor)."""
    stopped = select(OptOut.contact_point_id).where(
        OptOut.party_id == party_id, OptOut.channel.in_(("sms", "all")),
        OptOut.lifted_at.is_(None), OptOut.contact_point_id.is_not(None))
    return session.scalar(select(ContactPoint.value).where(
        ContactPoint.party_id == party_id, ContactPoint.channel == "phone",
        ContactPoint.valid.is_(True), ContactPoint.id.not_in(stopped))
        .order_by(ContactPoint.created_at).limit(1))


def _check_lock(link: SelfServiceLink, now: datetime) -> None:
    if link.locked_until is not None and now < link.locked_until:
        raise RateLimited(LOCKED)


def request_code(session: Session, link: SelfServiceLink, secret: str,
                 now: datetime) -> CodeToSend:
    """Make a code for the link (rate-limited) and say what to send; audited."""
    _check_lock(link, now)
    sent = select(func.count()).select_from(SelfServiceCode).where(
        SelfServiceCode.link_id == link.id)
    if session.scalar(sent.where(SelfServiceCode.sent_at > now - timedelta(minutes=15))) >= \
            CODES_PER_QUARTER or session.scalar(
            sent.where(SelfServiceCode.sent_at > now - timedelta(days=1))) >= CODES_PER_DAY:
        raise RateLimited(N_("a code was asked for too often; wait a few minutes"))
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    row = SelfServiceCode(id=new_id(), link_id=link.id, code_hash=_hash(secret, link.id, code),
                          sent_at=now, expires_at=now + timedelta(minutes=CODE_MINUTES))
    session.add(row)
    number = _number_on_file(session, link.party_id)
    audit.record(session, None, "self_service.code_requested", "case", link.case_id,
                 {"link_id": link.id, "code_id": row.id, "number_on_file": number is not None},
                 now=now)
    session.flush()
    if number is None:
        return CodeToSend(None)
    body = f"您的验证码是{code}，{CODE_MINUTES}分钟内有效。请勿告诉任何人。"
    return CodeToSend(Outgoing(message_id=row.id, channel="sms", recipient=number, body=body,
                               params={"code": code}))


def _id_matches(session: Session, link: SelfServiceLink, digits: str) -> bool:
    national_id = session.scalar(select(Party.national_id).where(Party.id == link.party_id))
    expected = (national_id or "")[-ID_DIGITS:].upper()
    # Always compare (a missing id compares against a dummy), so both paths take as long.
    return hmac.compare_digest((expected or "\0" * ID_DIGITS).encode(),
                               digits.strip().upper().encode()) and bool(national_id)


def verify(session: Session, link: SelfServiceLink, code: str, id_digits: str, secret: str,
           now: datetime) -> bool:
    """Check a code and the id digits; True proves the debtor (the code is used up). A wrong
    answer counts against the code and the link; audited either way."""
    _check_lock(link, now)
    live = session.scalars(select(SelfServiceCode).where(
        SelfServiceCode.link_id == link.id, SelfServiceCode.used_at.is_(None),
        SelfServiceCode.expires_at > now, SelfServiceCode.attempts < ATTEMPTS_PER_CODE)
        .order_by(SelfServiceCode.sent_at.desc())).all()
    given = _hash(secret, link.id, code.strip())
    match = next((c for c in live if hmac.compare_digest(c.code_hash, given)), None)
    id_ok = _id_matches(session, link, id_digits)
    ok = match is not None and id_ok
    if ok:
        match.used_at, link.failures, link.verified_at = now, 0, now
    else:
        for row in live:
            row.attempts += 1
        link.failures += 1
        if link.failures >= FAILURES_BEFORE_LOCK:
            link.failures, link.locked_until = 0, now + timedelta(minutes=LOCK_MINUTES)
    audit.record(session, None, "self_service.verified" if ok else "self_service.refused",
                 "case", link.case_id, {"link_id": link.id}, now=now)
    session.flush()
    return ok

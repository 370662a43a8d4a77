"""Replies from debtors: a stop word records an SMS opt-out at once, as the same case event
staff would record (server/cases/requests.py); anything else lands on the case with a
follow-up for a person. A provider replaying the same reply is recognised by its id."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.cases.requests import record_request
from server.models import (
    Case,
    CaseEventKind,
    CaseStatus,
    ContactPoint,
    FollowUp,
    FollowUpKind,
    InboundAction,
    InboundMessage,
    Role,
)

STOP_WORDS = ("TD", "退订", "STOP")
_OPEN = (CaseStatus.OPEN, CaseStatus.PAUSED)


@dataclass(frozen=True)
class SystemCaller:
    """The messaging gateway acting on a debtor's reply (sees every case, is no person)."""

    user_id: None = None
    role: str = Role.ADMIN
    agency_id: None = None
    team_id: None = None


def is_stop(body: str, extra: Iterable[str] = ()) -> bool:
    """True when the reply is a stop word (case, spaces and punctuation ignored)."""
    word = re.sub(r"[\s\W_]+", "", body).upper()
    return word in {w.upper() for w in (*STOP_WORDS, *extra)}


def numbers(sender: str) -> set[str]:
    """The forms a sender's number may be stored in: as sent, digits only, national."""
    digits = re.sub(r"\D", "", sender)
    national = digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    return {sender.strip(), digits, national, f"+{digits}", f"+86{national}"} - {"", "+"}


def take_reply(session: Session, provider: str, ref: str, sender: str, body: str,
               now: datetime, extra_stop_words: Iterable[str] = ()) -> InboundMessage:
    """Record one reply and act on it (once per provider reference)."""
    seen = session.scalar(select(InboundMessage).where(InboundMessage.provider == provider,
                                                       InboundMessage.provider_ref == ref))
    if seen is not None:
        return seen
    matches = session.execute(
        select(ContactPoint.id, ContactPoint.party_id, Case.id.label("case_id"))
        .join(Case, Case.debtor_id == ContactPoint.party_id)
        .where(ContactPoint.channel == "phone", ContactPoint.value.in_(numbers(sender)),
               Case.status.in_(_OPEN)).order_by(Case.opened_at.desc(), Case.id)).all()
    row = InboundMessage(provider=provider, provider_ref=ref, sender=sender[:200],
                         body=body[:1000], received_at=now, action=InboundAction.UNMATCHED)
    if matches:
        row.case_id, row.party_id = matches[0].case_id, matches[0].party_id
        stop = is_stop(body, extra_stop_words)
        row.action = InboundAction.OPT_OUT if stop else InboundAction.FOR_REVIEW
        for match in {m.case_id: m for m in reversed(matches)}.values():  # one per case
            if stop:
                record_request(session, SystemCaller(), match.case_id, {
                    "kind": CaseEventKind.STOP_CONTACT, "channel": "sms",
                    "contact_point_id": match.id, "via": "sms", "note": body[:200]}, now)
            else:
                task = FollowUp(case_id=match.case_id, kind=FollowUpKind.REVIEW, due_at=now,
                                reason=f"SMS reply from the debtor: {body}"[:300])
                session.add(task)
                session.flush()
                row.follow_up_id = row.follow_up_id or task.id
    session.add(row)
    session.flush()
    return row


def receive_replies(session: Session, provider: str, replies: Iterable, now: datetime,
                    extra_stop_words: Iterable[str] = ()) -> dict[str, int]:
    """Take a push of replies; counts per action (replays of known replies included)."""
    counts: dict[str, int] = {}
    for reply in replies:
        row = take_reply(session, provider, reply.ref, reply.sender, reply.body, now,
                         extra_stop_words)
        counts[row.action] = counts.get(row.action, 0) + 1
    return counts

"""Reminders as outbox messages a gateway drains: the day before a promise falls due, and the
advance notice of a visit where the profile asks for one (notice_hours).

Each message is due inside the debtor's allowed hours (preferences included); a debtor who
asked to stop SMS (or all contact), is represented by an attorney, or has no usable phone number
gets none. The dedupe keys (`ptp-reminder:<promise>`, `visit-notice:<visit>`) make a rerun a
no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlalchemy import exists, literal, select
from sqlalchemy.orm import Session

from server.clock import local_today
from server.compliance.effective import ProfileResolver
from server.compliance.engine import ALL_CHANNELS, reminder_due_at
from server.compliance.inputs import VISIT_NOTICE_KEY, address_facts, debtor_facts, home_address
from server.db.sql import insert_ignore
from server.followups.timing import first_allowed_at, first_allowed_between
from server.models import (
    Address,
    Case,
    ContactPoint,
    OptOut,
    OutboxMessage,
    PaymentPromise,
    PromiseStatus,
    Visit,
    VisitStatus,
    new_id,
)

AIM = time(10)  # a reminder aims at 10:00 local, or the first allowed time after it


def queue_reminders(session: Session, now: datetime, default_tz: str,
                    notice_lookahead: timedelta = timedelta(days=3),
                    attach_link: Callable | None = None) -> dict[str, int]:
    """Queue promise reminders and visit notices that are due soon and not queued yet.

    `attach_link(session, case_id, template, params, now)` gives a reminder whose template
    asks for it the case's self-service link: (body, params), or None to leave it plain
    (server/messaging/reminder_links.py; passed in, so followups import no messaging)."""
    resolver, counts, rows = ProfileResolver(session), {}, []
    results = [_promise_reminder(session, resolver, ptp, now, default_tz)
               for ptp in _due_promises(session, now)]
    results += [_visit_notice(session, resolver, visit, now, default_tz)
                for visit in _upcoming_visits(session, now, notice_lookahead)]
    for result in results:
        if isinstance(result, str):
            counts[result] = counts.get(result, 0) + 1
        else:
            rows.append(result)
            linked = attach_link and attach_link(session, result["case_id"], result["template"],
                                                 result["params"], now)
            if linked:
                result["body"], result["params"] = linked
                counts["with_link"] = counts.get("with_link", 0) + 1
    counts["queued"] = insert_ignore(session, OutboxMessage.__table__, rows)
    return counts


def _queued(key_prefix: str, id_column):
    return exists().where(OutboxMessage.dedupe_key == literal(key_prefix) + id_column)


def _due_promises(session: Session, now: datetime) -> list[PaymentPromise]:
    # Any zone's "tomorrow" lies within these UTC-date bounds; the local check is per promise.
    lo, hi = (now - timedelta(hours=14)).date(), (now + timedelta(hours=14)).date()
    p = PaymentPromise
    return list(session.scalars(select(p).where(
        p.status == PromiseStatus.ACTIVE, p.due_on.between(lo + timedelta(days=1),
                                                           hi + timedelta(days=1)),
        ~_queued("ptp-reminder:", p.id))))


def _upcoming_visits(session: Session, now: datetime, lookahead: timedelta) -> list[Visit]:
    v = Visit
    return list(session.scalars(select(v).where(
        v.status.in_((VisitStatus.PLANNED, VisitStatus.ASSIGNED)),
        v.scheduled_on.between(now.date(), (now + lookahead).date()),
        ~_queued("visit-notice:", v.id))))


def _recipient(session: Session, case: Case) -> str | None:
    """The debtor's first valid phone without an SMS opt-out; None when contact is ceased."""
    debtor = debtor_facts(session, case)
    if debtor.attorney_represented or debtor.cease_channels & {ALL_CHANNELS, "sms"}:
        return None
    opted_out = exists().where(OptOut.contact_point_id == ContactPoint.id,
                               OptOut.channel.in_(("sms", "all")), OptOut.lifted_at.is_(None))
    return session.scalar(select(ContactPoint.value).where(
        ContactPoint.party_id == case.debtor_id, ContactPoint.channel == "phone",
        ContactPoint.valid.is_(True), ~opted_out).order_by(ContactPoint.created_at).limit(1))


def _promise_reminder(session, resolver, ptp: PaymentPromise, now, default_tz) -> dict | str:
    case = session.get(Case, ptp.case_id)
    tz = address_facts(home_address(session, case.debtor_id), default_tz).tz
    day_before = ptp.due_on - timedelta(days=1)
    if local_today(now, tz) != day_before:
        return "not_due_yet" if local_today(now, tz) < day_before else "too_late"
    prefs = debtor_facts(session, case).preferred_windows
    due_at = first_allowed_at(resolver.for_case(case), day_before, tz, prefs, now, AIM)
    recipient = _recipient(session, case)
    if recipient is None:
        return "no_consent_to_contact"
    if due_at is None:
        return "no_allowed_hours"
    # No amount or debt wording: an SMS may be read by someone else (a reviewed template
    # filled from `params` replaces this text at send time, server/messaging/templates.py).
    body = f"您好，提醒您{ptp.due_on}有一项约定的事项，如有疑问请联系我们。"
    return _message(case.id, recipient, "ptp_reminder", body, due_at, f"ptp-reminder:{ptp.id}",
                    {"date": str(ptp.due_on)})


def _visit_notice(session, resolver, visit: Visit, now, default_tz) -> dict | str:
    case = session.get(Case, visit.case_id)
    profile = resolver.for_case(case)
    if profile.notice_hours <= 0:
        return "no_notice_needed"
    tz = address_facts(session.get(Address, visit.address_id), default_tz).tz
    prefs = debtor_facts(session, case).preferred_windows
    start = visit.window_start or first_allowed_at(profile, visit.scheduled_on, tz, prefs)
    due_at = reminder_due_at(profile, start, tz, prefs) if start else None
    recipient = _recipient(session, case)
    if recipient is None:
        return "no_consent_to_contact"
    if due_at is None or start <= now:
        return "no_allowed_hours"
    if due_at > now + timedelta(hours=1):
        return "not_due_yet"  # queued on a later run, so a moved visit gets the right notice
    if due_at < now:  # late (a visit planned at short notice): the next allowed moment, not now
        due_at = first_allowed_between(profile, tz, prefs, now, start)
        if due_at is None:
            return "no_allowed_hours"
    body = f"我们计划于{visit.scheduled_on}拜访您，如需改期请联系我们。"
    return _message(case.id, recipient, "visit_notice", body, due_at,
                    VISIT_NOTICE_KEY + visit.id, {"date": str(visit.scheduled_on)})


def _message(case_id, recipient, template, body, due_at, key, params) -> dict:
    return {"id": new_id(), "case_id": case_id, "channel": "sms", "recipient": recipient,
            "template": template, "body": body, "due_at": due_at, "status": "pending",
            "dedupe_key": key, "params": params, "attempts": 0}

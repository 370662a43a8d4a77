"""What a proven debtor can do on the self-service page; each action calls the same use case
as the field or the staff do, with channel `self_service`, and is audited.

* a promise is the same `payment_promises` fact a collector records (due within the profile's
  `promise_max_days`, at most the balance), supersedes the account's active one, and postpones
  the case's open visits and follow-ups until the day after it falls due;
* requests (dispute, complaint, stop visits or a channel, a corrected number or address) go
  through `cases.requests.apply_request`, so their effects (cancelled visits, the complaint's
  clock) are the field's;
* a call-back or visit time is one of the slots the compliance windows allow;
* a proof of payment is stored like an attachment and lands on the case for a person.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.cases.requests import apply_request, release_visits
from server.clock import local_today
from server.compliance.effective import ProfileResolver
from server.compliance.engine import allowed_windows
from server.compliance.inputs import DEFAULT_TZ, address_facts, debtor_facts, home_address
from server.dispatch.assignment import ASSIGNABLE
from server.errors import InvalidInput, NotFound, TooLarge
from server.messaging.proofs import proof_key
from server.messaging.wording_marks import N_
from server.models import (
    Account,
    Agency,
    Blob,
    Case,
    CaseEventKind,
    FollowUp,
    FollowUpKind,
    PaymentPromise,
    PromiseStatus,
    SelfServiceLink,
    Visit,
    VisitStatus,
    new_id,
)
from server.promises.lifecycle import supersede_previous_promises
from server.sync.values import due_date_errors

VIA = "self_service"
K = CaseEventKind
SLOT_DAYS = 7
SLOT_MINUTES = 60
PROOF_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n",
               "application/pdf": b"%PDF-"}
OPEN_FOLLOW_UPS = ("open", "pending")


def _case(session: Session, link: SelfServiceLink) -> Case:
    return session.get(Case, link.case_id)


def _tz(session: Session, link: SelfServiceLink) -> str:
    return address_facts(home_address(session, link.party_id), DEFAULT_TZ).tz


def _audit(session, link, action: str, detail: dict, now: datetime) -> None:
    audit.record(session, None, f"self_service.{action}", "case", link.case_id,
                 {"link_id": link.id, "channel": VIA, **detail}, now=now)


def summary(session: Session, link: SelfServiceLink, now: datetime) -> dict:
    """Only what the debtor needs (PIPL art. 6): the lender, and per account its product, the
    last 4 of its number, what is owed and overdue; no name, address or id. The read audited."""
    case = _case(session, link)
    lender = session.get(Agency, case.lender_id)
    accounts = session.scalars(select(Account).where(Account.case_id == case.id)
                               .order_by(Account.external_id)).all()
    active = session.scalars(select(PaymentPromise).where(
        PaymentPromise.case_id == case.id, PaymentPromise.status == PromiseStatus.ACTIVE,
        PaymentPromise.review_flag.is_(None))).all()
    _audit(session, link, "summary_read", {"accounts": [a.id for a in accounts]}, now)
    return {"lender": lender.name if lender else "", "lender_code": lender.code if lender else "",
            "accounts": [{"id": a.id, "product": a.product, "ending": a.external_id[-4:],
                          "currency": a.currency, "outstanding": a.outstanding,
                          "overdue": a.overdue_amount} for a in accounts],
            "promises": [{"amount": p.amount, "currency": p.currency, "due_on": p.due_on}
                         for p in active],
            "max_days": ProfileResolver(session).for_case(case).promise_max_days,
            "today": local_today(now, _tz(session, link))}


def _amount(raw: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise InvalidInput(N_("the amount is not a number"), {"amount": ["a number"]}) from None
    if not value.is_finite() or value <= 0 or value.as_tuple().exponent < -2:
        raise InvalidInput(N_("the amount must be above zero, in yuan and fen"),
                           {"amount": ["above 0, at most 2 decimals"]})
    return value


def _day(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise InvalidInput(f"{field} is not a date", {field: ["YYYY-MM-DD"]}) from None


def make_promise(session: Session, link: SelfServiceLink, form: dict, now: datetime,
                 replan: Callable | None = None) -> PaymentPromise:
    """The debtor promises an amount by a day: the field's promise fact, with its effects."""
    case = _case(session, link)
    account = session.scalar(select(Account).where(Account.case_id == case.id,
                                                   Account.id == form.get("account_id", "")))
    if account is None:
        raise InvalidInput(N_("choose one of your accounts"), {"account_id": ["not yours"]})
    amount, due_on = _amount(form.get("amount", "")), _day(form.get("due_on", ""), "due_on")
    if amount > account.outstanding:
        raise InvalidInput(N_("the amount is above what you owe"),
                           {"amount": [f"at most {account.outstanding}"]})
    made_on = local_today(now, _tz(session, link))
    errors = due_date_errors(due_on, made_on,
                             ProfileResolver(session).for_case(case).promise_max_days)
    if errors:
        raise InvalidInput(N_("that day is outside what can be promised"), errors)
    values = {"case_id": case.id, "account_id": account.id, "amount": str(amount),
              "due_on": due_on.isoformat(), "via": VIA, "link": link.id}
    promise = PaymentPromise(
        id=new_id(), recorded_at=now, received_at=now, user_id=None, device_id=None,
        digest=hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest(),
        case_id=case.id, account_id=account.id, amount=amount, currency=account.currency,
        due_on=due_on)
    session.add(promise)
    session.flush()
    supersede_previous_promises(session, [promise.id], now)
    moved = postpone_work(session, case, due_on + timedelta(days=1), now,
                          f"promised online to pay by {due_on}", replan)
    _audit(session, link, "promise", {"promise_id": promise.id, "amount": str(amount),
                                      "due_on": due_on.isoformat(), **moved}, now)
    return promise


def postpone_work(session: Session, case: Case, until: date, now: datetime, why: str,
                  replan: Callable | None = None) -> dict:
    """Move the case's open visits (appointments aside) and open follow-ups to `until`; the
    moved visits leave the collectors' phones and routes until they are assigned again."""
    visits = session.scalars(select(Visit).where(
        Visit.case_id == case.id, Visit.status.in_(ASSIGNABLE), Visit.scheduled_on < until,
        Visit.window_start.is_(None))).all()
    for visit in visits:
        audit.record(session, None, "visit.postpone", "visit", visit.id,
                     {"from": visit.scheduled_on.isoformat(), "to": until.isoformat(),
                      "reason": why[:200]}, now=now)
        visit.scheduled_on, visit.status = until, VisitStatus.PLANNED
    ids = [v.id for v in visits]
    session.flush()
    if replan is not None and ids:
        replan(session, ids)
    release_visits(session, ids, now)
    tz = ZoneInfo(DEFAULT_TZ)
    start = datetime.combine(until, datetime.min.time(), tzinfo=tz)
    follow_ups = session.scalars(select(FollowUp).where(
        FollowUp.case_id == case.id, FollowUp.status.in_(OPEN_FOLLOW_UPS),
        FollowUp.kind.in_((FollowUpKind.CALL, FollowUpKind.REVISIT)),
        FollowUp.due_at < start)).all()
    for row in follow_ups:
        row.due_at = start + (row.due_at - datetime.combine(
            row.due_at.astimezone(tz).date(), datetime.min.time(), tzinfo=tz))
    session.flush()
    return {"postponed_visits": ids, "postponed_follow_ups": [r.id for r in follow_ups]}


def slots(session: Session, link: SelfServiceLink, now: datetime,
          days: int = SLOT_DAYS, lead: timedelta = timedelta(hours=1)) -> list[datetime]:
    """Hourly starts inside the legal windows (quiet hours, the debtor's own preferences) over
    the next days, from `lead` (an hour) from now."""
    case = _case(session, link)
    profile, tz = ProfileResolver(session).for_case(case), _tz(session, link)
    prefs = debtor_facts(session, case).preferred_windows
    earliest, found = now + lead, []
    today = local_today(now, tz)
    for offset in range(days):
        for start, end in allowed_windows(profile, today + timedelta(days=offset), tz, prefs):
            at = start.astimezone(ZoneInfo(tz)).replace(minute=0, second=0, microsecond=0)
            if at < start:
                at += timedelta(hours=1)
            while at + timedelta(minutes=SLOT_MINUTES) <= end:
                if at >= earliest:
                    found.append(at.astimezone(start.tzinfo))
                at += timedelta(minutes=SLOT_MINUTES)
    return found


def _slot(session, link, raw: str, now: datetime) -> datetime:
    try:
        at = datetime.fromisoformat(str(raw).strip())
    except ValueError:
        raise InvalidInput(N_("choose one of the times offered"), {"at": ["a time offered"]}) \
            from None
    # the page offered starts an hour ahead; a debtor who took a while to choose may send one
    # that is now less than an hour away: still accepted while it is legal and not yet begun
    if at.tzinfo is None or at not in slots(session, link, now, lead=timedelta(0)):
        raise InvalidInput(N_("choose one of the times offered"), {"at": ["a time offered"]})
    return at


def ask_call_back(session: Session, link: SelfServiceLink, form: dict,
                  now: datetime) -> FollowUp:
    """A call follow-up at the chosen allowed time."""
    at = _slot(session, link, form.get("at", ""), now)
    row = FollowUp(case_id=link.case_id, kind=FollowUpKind.CALL, due_at=at, status="open",
                   reason="the debtor asked online to be called back at this time",
                   dedupe_key=f"self-service-call:{link.id}:{at.isoformat()}")
    session.add(row)
    session.flush()
    _audit(session, link, "call_back", {"follow_up_id": row.id, "at": at.isoformat()}, now)
    return row


def ask_visit_time(session: Session, link: SelfServiceLink, form: dict, now: datetime,
                   replan: Callable | None = None) -> dict:
    """The next open visit becomes an appointment at the chosen time (re-planned); without one,
    a revisit follow-up for the dispatcher at that time."""
    at = _slot(session, link, form.get("at", ""), now)
    tz = _tz(session, link)
    visit = session.scalar(select(Visit).where(
        Visit.case_id == link.case_id, Visit.status.in_(ASSIGNABLE))
        .order_by(Visit.scheduled_on).limit(1))
    if visit is None:
        row = FollowUp(case_id=link.case_id, kind=FollowUpKind.REVISIT, due_at=at,
                       status="open", reason="the debtor asked online for a visit at this time",
                       dedupe_key=f"self-service-visit:{link.id}:{at.isoformat()}")
        session.add(row)
        session.flush()
        detail = {"follow_up_id": row.id}
    else:
        visit.scheduled_on = at.astimezone(ZoneInfo(tz)).date()
        visit.window_start, visit.window_end = at, at + timedelta(minutes=SLOT_MINUTES)
        visit.mandatory = True
        session.flush()
        if replan is not None:
            replan(session, [visit.id])
        detail = {"visit_id": visit.id}
    _audit(session, link, "visit_time", {**detail, "at": at.isoformat()}, now)
    return detail


def upload_proof(session: Session, store, link: SelfServiceLink, data: bytes,
                 content_type: str | None, now: datetime, max_bytes: int) -> Blob:
    """A photo or PDF of a payment: stored by content like an attachment (same size limit),
    its type checked by its first bytes, and a review follow-up on the case for a person."""
    if not data:
        raise InvalidInput(N_("choose a file"), {"file": ["required"]})
    if len(data) > max_bytes:
        raise TooLarge(f"files are limited to {max_bytes} bytes")
    kind = next((t for t, magic in PROOF_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise InvalidInput(N_("send a JPEG or PNG photo or a PDF"), {"file": list(PROOF_TYPES)})
    sha = hashlib.sha256(data).hexdigest()
    key = store.put(sha, data)
    blob = session.get(Blob, sha)
    if blob is None:
        blob = Blob(sha256=sha, size=len(data), content_type=kind, storage_key=key,
                    uploaded_by=None, created_at=now)
        session.add(blob)
    row = FollowUp(case_id=link.case_id, kind=FollowUpKind.REVIEW, due_at=now, status="open",
                   reason=f"the debtor sent a proof of payment online (file {sha[:12]})",
                   dedupe_key=proof_key(link.case_id, sha))
    if session.scalar(select(FollowUp.id).where(FollowUp.dedupe_key == row.dedupe_key)) is None:
        session.add(row)  # the same file twice: one review
    session.flush()
    _audit(session, link, "proof_uploaded", {"sha256": sha, "size": len(data), "type": kind},
           now)
    return blob


REQUESTS = {"dispute": K.DISPUTE_OPENED, "complaint": K.COMPLAINT, "stop": K.STOP_CONTACT,
            "phone": K.PHONE_REPORTED, "address": K.ADDRESS_REPORTED}
STOPPABLE = ("visit", "call", "sms", "email")
MAX_TEXT = 1000


def _text(form: dict, name: str, required: bool = True, limit: int = MAX_TEXT) -> str | None:
    value = (form.get(name) or "").strip()
    if "\x00" in value or len(value) > limit:
        raise InvalidInput(f"{name} is too long or holds a forbidden character",
                           {name: [f"at most {limit} characters"]})
    if required and not value:
        raise InvalidInput(f"{name} is required", {name: ["required"]})
    return value or None


def make_request(session: Session, link: SelfServiceLink, what: str, form: dict,
                 now: datetime, replan: Callable | None = None) -> dict:
    """A dispute, complaint, stop request or correction, as the field records it."""
    from server.cases.request_values import COMPLAINT_CATEGORIES

    if what not in REQUESTS:
        raise NotFound(f"no such request {what!r}")
    spec: dict = {"kind": REQUESTS[what], "via": VIA}
    if what == "dispute":
        spec["note"] = _text(form, "note")
    elif what == "complaint":
        if form.get("category") not in COMPLAINT_CATEGORIES:
            raise InvalidInput(N_("choose a category"), {"category": list(COMPLAINT_CATEGORIES)})
        spec |= {"category": form["category"], "note": _text(form, "note")}
    elif what == "stop":
        if form.get("channel") not in STOPPABLE:
            raise InvalidInput(N_("choose what to stop"), {"channel": list(STOPPABLE)})
        spec |= {"channel": form["channel"], "note": _text(form, "note", required=False)}
    else:
        spec["value"] = _text(form, "value", limit=200 if what == "phone" else 500)
    event, cancelled = apply_request(session, None, _case(session, link), spec, now, replan)
    _audit(session, link, f"request.{what}", {"event_id": event.id, "cancelled": cancelled},
           now)
    return {"event_id": event.id, "cancelled": cancelled, "detail": event.detail}


def record_open(session: Session, link: SelfServiceLink, now: datetime) -> None:
    """The link was opened (audited; nothing is shown before the debtor proves who they are)."""
    _audit(session, link, "link_opened", {}, now)


def debtor_zone(session: Session, link: SelfServiceLink) -> str:
    """The debtor's time zone, in which the offered times are shown."""
    return _tz(session, link)


def complaint_categories() -> tuple[str, ...]:
    from server.cases.request_values import COMPLAINT_CATEGORIES

    return COMPLAINT_CATEGORIES

"""GET /cases/{id}/timeline: everything that happened on a case, one keyset-paged feed.

Each source table gives rows of the same shape (at, key, kind, event, who, visit, where, info);
one UNION ALL orders them by (at, key), so a page costs the same whatever the case's history.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from server.access import Caller, readable_case
from server.audit.reads import record_read
from server.cases.view import debtor_zone
from server.errors import InvalidInput
from server.models import (
    Account,
    Attachment,
    Case,
    CaseEvent,
    CheckIn,
    Complaint,
    Consent,
    ContactAttempt,
    FollowUp,
    ImportChange,
    ImportRun,
    InboundMessage,
    OutboxMessage,
    Payment,
    PaymentPromise,
    Placement,
    User,
    Violation,
    Visit,
    VisitAssignee,
    VisitNote,
    VisitOutcome,
)

KINDS = ("case", "import", "placement", "visit", "assignment", "override", "check_in",
         "outcome", "note", "attachment", "promise", "payment", "consent", "contact",
         "follow_up", "message", "violation", "request", "complaint")


def _row(kind, event, at, ref, who=None, visit=None, lat=None, lng=None, info=None):
    """One source's rows in the feed's shape; `event` is a name or a column (a status)."""
    if isinstance(event, str):
        key, event = literal(f"{kind}:{event}:") + ref, literal(event)
    else:
        key = literal(f"{kind}:") + event + literal(":") + ref
    return select(at.label("at"), key.label("key"),
                  literal(kind).label("kind"), event.label("event"),
                  (who if who is not None else cast(null(), String)).label("who"),
                  (visit if visit is not None else cast(null(), String)).label("visit_id"),
                  (lat if lat is not None else cast(null(), Float)).label("lat"),
                  (lng if lng is not None else cast(null(), Float)).label("lng"),
                  (cast(info, String) if info is not None else cast(null(), String))
                  .label("info"))


def _sources() -> dict[str, list]:
    case_id = bindparam("case_id", type_=String)
    visits = select(Visit.id).where(Visit.case_id == case_id)
    of_visit = lambda model: model.visit_id.in_(visits)  # noqa: E731
    c, p, v, a = Case, Placement, Visit, VisitAssignee
    return {
        "case": [_row("case", "opened", c.opened_at, c.id, info=c.status)
                 .where(c.id == case_id)],
        "import": [_imports(case_id)],
        "placement": [
            _row("placement", "placed", p.placed_at, p.id, info=p.agency_id)
            .where(p.case_id == case_id),
            _row("placement", "returned", p.returned_at, p.id, info=p.agency_id)
            .where(p.case_id == case_id, p.returned_at.is_not(None))],
        "visit": [
            _row("visit", "planned", v.created_at, v.id, v.created_by, v.id, info=v.purpose)
            .where(v.case_id == case_id),
            _row("visit", "completed", v.completed_at, v.id, visit=v.id, info=v.outcome_code)
            .where(v.case_id == case_id, v.completed_at.is_not(None)),
            _row("visit", "cancelled", v.updated_at, v.id, visit=v.id, info=v.cancel_reason)
            .where(v.case_id == case_id, v.status == "cancelled")],
        "assignment": [
            _row("assignment", "assigned", a.assigned_at, a.id, a.assigned_by, a.visit_id,
                 info=a.user_id).where(of_visit(a)),
            _row("assignment", "ended", a.ended_at, a.id, visit=a.visit_id, info=a.user_id)
            .where(of_visit(a), a.ended_at.is_not(None))],
        "override": [_row("override", "granted", a.assigned_at, a.id, a.assigned_by,
                          a.visit_id, info=a.override_reason)
                     .where(of_visit(a), a.override_reason.is_not(None))],
        "check_in": [_row("check_in", "recorded", CheckIn.recorded_at, CheckIn.id,
                          CheckIn.user_id, CheckIn.visit_id, CheckIn.lat, CheckIn.lng,
                          CheckIn.kind).where(of_visit(CheckIn))],
        "outcome": [_row("outcome", "recorded", VisitOutcome.recorded_at, VisitOutcome.id,
                         VisitOutcome.user_id, VisitOutcome.visit_id, info=VisitOutcome.code)
                    .where(of_visit(VisitOutcome))],
        "note": [_row("note", "written", VisitNote.recorded_at, VisitNote.id, VisitNote.user_id,
                      VisitNote.visit_id, info=VisitNote.body).where(of_visit(VisitNote))],
        "attachment": [_row("attachment", "recorded", Attachment.recorded_at, Attachment.id,
                            Attachment.user_id, Attachment.visit_id, info=Attachment.kind)
                       .where(of_visit(Attachment))],
        "promise": _promises(case_id),
        "payment": [
            _row("payment", "paid", Payment.paid_at, Payment.id, Payment.user_id,
                 Payment.visit_id, info=Payment.amount).where(Payment.case_id == case_id),
            _row("payment", "voided", Payment.voided_at, Payment.id, visit=Payment.visit_id,
                 info=Payment.void_reason)
            .where(Payment.case_id == case_id, Payment.voided_at.is_not(None))],
        "consent": [
            _row("consent", "granted", Consent.granted_at, Consent.id, Consent.user_id,
                 Consent.visit_id, Consent.lat, Consent.lng, Consent.kind)
            .where(Consent.case_id == case_id),
            _row("consent", "withdrawn", Consent.withdrawn_at, Consent.id, Consent.user_id,
                 Consent.visit_id, info=Consent.kind)
            .where(Consent.case_id == case_id, Consent.withdrawn_at.is_not(None))],
        "contact": [_row("contact", "attempted", ContactAttempt.occurred_at, ContactAttempt.id,
                         ContactAttempt.user_id, info=ContactAttempt.channel)
                    .where(ContactAttempt.case_id == case_id, ContactAttempt.channel != "visit")],
        "follow_up": _follow_ups(case_id),
        "message": _messages(case_id),
        "violation": _violations(case_id),
        "request": [_row("request", CaseEvent.kind, CaseEvent.occurred_at, CaseEvent.id,
                         CaseEvent.recorded_by, info=CaseEvent.note)
                    .where(CaseEvent.case_id == case_id)],
        "complaint": _complaints(case_id),
    }


def _messages(case_id) -> list:
    """Queued, sent, delivered, failed (info: the template, or the provider's error) and the
    debtor's replies (info: what was done with it)."""
    om, im = OutboxMessage, InboundMessage
    mine = om.case_id == case_id
    return [_row("message", "queued", om.due_at, om.id, info=om.template).where(mine),
            _row("message", "sent", om.sent_at, om.id, info=om.template)
            .where(mine, om.sent_at.is_not(None)),
            _row("message", "delivered", om.delivered_at, om.id, info=om.template)
            .where(mine, om.delivered_at.is_not(None)),
            _row("message", "failed", om.failed_at, om.id, info=om.last_error)
            .where(mine, om.failed_at.is_not(None)),
            _row("message", "reply", im.received_at, im.id, info=im.action)
            .where(im.case_id == case_id)]


def _imports(case_id) -> Select:
    """Which import created or changed which account, balance before and after (info is
    'account ref|before|after', formatted by `_info`)."""
    ic = ImportChange
    by = select(ImportRun.user_id).where(ImportRun.id == ic.run_id).scalar_subquery()
    amount = lambda column: func.coalesce(cast(column, String), "")  # noqa: E731
    info = Account.external_id + "|" + amount(ic.outstanding_before) + "|" + amount(
        ic.outstanding_after)
    return (_row("import", ic.outcome, ic.recorded_at, ic.id, by, info=info)
            .where(ic.case_id == case_id, Account.id == ic.account_id))


def _violations(case_id) -> list:
    v = Violation
    return [_row("violation", "detected", v.detected_at, v.id, v.user_id, v.visit_id,
                 info=v.rule).where(v.case_id == case_id),
            _row("violation", v.status, v.reviewed_at, v.id, v.reviewed_by, v.visit_id,
                 info=v.review_note).where(v.case_id == case_id, v.reviewed_at.is_not(None))]


def _promises(case_id) -> list:
    pp = PaymentPromise
    return [_row("promise", "made", pp.recorded_at, pp.id, pp.user_id, pp.visit_id,
                 info=pp.amount).where(pp.case_id == case_id),
            _row("promise", pp.status, pp.status_changed_at, pp.id, visit=pp.visit_id,
                 info=pp.paid_amount)
            .where(pp.case_id == case_id, pp.status_changed_at.is_not(None))]


def _complaints(case_id) -> list:
    c = Complaint
    return [_row("complaint", "received", c.received_at, c.id, c.recorded_by, c.visit_id,
                 info=c.category).where(c.case_id == case_id),
            _row("complaint", "acknowledged", c.acknowledged_at, c.id, c.handler_id, c.visit_id,
                 info=c.status).where(c.case_id == case_id, c.acknowledged_at.is_not(None)),
            _row("complaint", "escalated", c.escalated_at, c.id, c.handler_id, c.visit_id,
                 info=c.category).where(c.case_id == case_id, c.escalated_at.is_not(None)),
            _row("complaint", "resolved", c.resolved_at, c.id, c.handler_id, c.visit_id,
                 info=c.status).where(c.case_id == case_id, c.resolved_at.is_not(None))]


def _follow_ups(case_id) -> list:
    fu = FollowUp
    return [_row("follow_up", "created", fu.created_at, fu.id, fu.created_by, fu.visit_id,
                 info=fu.reason).where(fu.case_id == case_id),
            _row("follow_up", fu.status, fu.completed_at, fu.id, fu.assigned_to, fu.visit_id,
                 info=fu.resolution)
            .where(fu.case_id == case_id, fu.completed_at.is_not(None))]


@functools.cache
def _feed(kinds: tuple[str, ...], paged: bool) -> Select:
    """The feed's statement for these kinds, built once (parameters: case_id, after_at,
    after_key, limit), so a request neither rebuilds nor recompiles 25 selects."""
    sources = _sources()
    feed = union_all(*(q for kind in kinds for q in sources[kind])).subquery("feed")
    stmt = select(feed)
    if paged:
        after_at = bindparam("after_at", type_=feed.c.at.type)
        stmt = stmt.where(or_(feed.c.at > after_at, and_(feed.c.at == after_at,
                                                         feed.c.key > bindparam("after_key"))))
    return stmt.order_by(feed.c.at, feed.c.key).limit(bindparam("limit", type_=Integer))


def _cursor(raw: str | None) -> tuple[datetime, str] | None:
    if not raw:
        return None
    try:
        at, key = json.loads(base64.urlsafe_b64decode(raw.encode()))
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment, str(key)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("not a cursor this feed gave", {"after": ["invalid cursor"]}) from exc


def _next(at: datetime, key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([at.isoformat(), key]).encode()).decode()


def case_timeline(session: Session, caller: Caller, case_id: str, kinds: Iterable[str] = (),
                  after: str | None = None, limit: int = 100) -> dict:
    """One page of the case's feed, oldest first, after a cursor, of some kinds (all by
    default); each entry with who, when (UTC and the debtor's local time) and where."""
    case = readable_case(session, caller, case_id)
    record_read(session, caller.user_id, "case_timeline", case.id)
    stmt = _feed(tuple(sorted(set(kinds))) or KINDS, _cursor(after) is not None)
    cursor = _cursor(after) or (None, None)
    rows = session.execute(stmt, {"case_id": case.id, "after_at": cursor[0],
                                  "after_key": cursor[1], "limit": limit + 1}).all()
    more, rows = len(rows) > limit, rows[:limit]
    names = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_({r.who for r in rows if r.who}))).all()) if rows else {}
    tz = ZoneInfo(debtor_zone(session, case.debtor_id))
    local = _LocalTime(tz)
    entries = [{
        "id": key, "kind": kind, "event": event, "at": at, "local_at": local(at),
        "who": {"id": who, "name": names.get(who)} if who else None, "visit_id": visit_id,
        "where": {"lat": lat, "lng": lng} if lat is not None else None,
        "info": _info(kind, event, info)}
        for at, key, kind, event, who, visit_id, lat, lng, info in rows]
    return {"case_id": case.id, "time_zone": str(tz), "entries": entries,
            "next": _next(rows[-1].at, rows[-1].key) if more else None}


class _LocalTime:
    """Wall times in one zone; offsets change at most every quarter hour, so they are cached
    per quarter (a zone conversion per entry was a fifth of a 1,000-entry feed's time)."""

    def __init__(self, tz: ZoneInfo):
        self.tz, self.offsets = tz, {}

    def __call__(self, at: datetime) -> str:
        quarter = at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)
        offset = self.offsets.get(quarter)
        if offset is None:
            offset = self.offsets[quarter] = quarter.astimezone(self.tz).utcoffset()
        return (at + offset).replace(tzinfo=None).isoformat(timespec="seconds")


def _info(kind: str, event: str, info: str | None) -> str | None:
    """Amounts leave as decimal strings on both databases (SQLite casts 500.00 to '500')."""
    if info is not None and (kind == "promise" or (kind, event) == ("payment", "paid")):
        return f"{Decimal(info):.2f}"
    if kind == "import" and info is not None:
        ref, before, after = info.split("|")
        money = [f"{Decimal(x):.2f}" if x else "none" for x in (before, after)]
        return f"{ref}: {money[0]} -> {money[1]}" if event == "updated" else f"{ref}: {money[1]}"
    return info

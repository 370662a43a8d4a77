"""The debtor's requests recorded by staff: a case event, the state it sets, and its effects.

State lives where every enforcement point already reads it (cases.dispute_open, parties'
attorney/vulnerability/hold/preferences, opt_outs), so assignment, auto-assign, routing,
follow-up creation and the device's next pull obey at once; open visits the request now
forbids are cancelled here, with the rule's reason, and their assignments end so they leave
the collectors' phones on the next pull (the reason stays on the server: visit, audit, timeline).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.access import Caller, readable_case
from server.audit import service as audit
from server.cases import contact_details
from server.cases.complaints import take_complaint
from server.compliance.effective import ProfileResolver
from server.compliance.engine import Rule, Severity
from server.dispatch.assignment import ASSIGNABLE
from server.dispatch.checks import case_facts_for, verdict_for
from server.errors import InvalidInput
from server.models import (
    Address,
    Case,
    CaseEvent,
    CaseEventKind,
    ContactPoint,
    OptOut,
    Party,
    User,
    Visit,
    VisitAssignee,
    VisitStatus,
)

K = CaseEventKind
# The rules a debtor's request can newly break; other findings (two-person, notice) are the
# dispatcher's to fix, not a reason to cancel.
DEBTOR_RULES = {Rule.CEASE, Rule.VULNERABLE, Rule.SENSITIVE}


def _stop(session: Session, case: Case, party: Party, spec: Mapping[str, Any],
          now: datetime) -> dict:
    point = spec.get("contact_point_id")
    if point is not None and session.scalar(select(ContactPoint.party_id).where(
            ContactPoint.id == point)) != party.id:
        raise InvalidInput("not a contact point of the debtor",
                           {"contact_point_id": ["not the debtor's"]})
    channel = spec["channel"]
    row = OptOut(party_id=party.id, contact_point_id=point, channel=channel, recorded_at=now,
                 reason="cease" if channel == "all" and point is None else "opt_out")
    session.add(row)
    session.flush()
    return {"opt_out_id": row.id, "channel": channel, "contact_point_id": point}


def _lift(session: Session, case: Case, party: Party, spec: Mapping[str, Any],
          now: datetime) -> dict:
    stmt = select(OptOut).where(OptOut.party_id == party.id, OptOut.lifted_at.is_(None))
    if spec.get("opt_out_id"):
        stmt = stmt.where(OptOut.id == spec["opt_out_id"])
    else:
        point = spec.get("contact_point_id")
        stmt = stmt.where(OptOut.channel == spec["channel"], OptOut.contact_point_id.is_(None)
                          if point is None else OptOut.contact_point_id == point)
    lifted = list(session.scalars(stmt))
    if not lifted:
        raise InvalidInput("no such stop-contact request is in force",
                           {"channel": ["nothing to lift"]})
    for row in lifted:
        row.lifted_at = now
    return {"lifted": [row.id for row in lifted]}


def _set(target: str, **values) -> Callable:
    """An effect setting columns of the case or its debtor: a str names the request's field
    to copy, anything else is the value itself."""

    def apply(session, case, party, spec, now) -> dict:
        row = case if target == "case" else party
        for column, value in values.items():
            setattr(row, column, spec.get(value) if isinstance(value, str) else value)
        return {}
    return apply


_EFFECTS: dict[str, Callable] = {
    K.DISPUTE_OPENED: _set("case", dispute_open=True),
    K.DISPUTE_RESOLVED: _set("case", dispute_open=False),
    K.STOP_CONTACT: _stop,
    K.STOP_CONTACT_LIFTED: _lift,
    K.ATTORNEY: _set("party", attorney_represented=True),
    K.ATTORNEY_ENDED: _set("party", attorney_represented=False),
    K.VULNERABILITY: _set("party", vulnerable=True, vulnerability_note="note"),
    K.VULNERABILITY_ENDED: _set("party", vulnerable=False, vulnerability_note=None),
    K.HOLD: _set("party", hold_until="until", hold_reason="reason"),
    K.HOLD_LIFTED: _set("party", hold_until=None, hold_reason=None),
    K.HARDSHIP: _set("case", hardship=True),
    K.HARDSHIP_ENDED: _set("case", hardship=False),
    K.PREFERRED_TIMES: _set("party", preferred_windows="windows"),
    K.PHONE_REPORTED: contact_details.report_phone,
    K.ADDRESS_REPORTED: contact_details.report_address,
    K.MOVED: contact_details.report_move,
    K.THIRD_PARTY_REPORT: contact_details.third_party_report,
}
# What the event keeps besides its effect's ids (the vulnerability note stays on the party; a
# reported phone or address is in the row the effect made, which the retention purge blanks).
_KEPT = ("channel", "contact_point_id", "address_id", "visit_id", "until", "reason",
         "category", "windows", "via")


def record_request(session: Session, caller: Caller, case_id: str, spec: Mapping[str, Any],
                   now: datetime, replan: Callable | None = None
                   ) -> tuple[CaseEvent, list[str]]:
    """Record what the debtor asked for, apply it, cancel the open visits it now forbids
    (their collectors' routes re-planned by `replan`)."""
    case = readable_case(session, caller, case_id)
    return apply_request(session, caller.user_id, case, spec, now, replan)


def apply_request(session: Session, actor_id: str, case: Case, spec: Mapping[str, Any],
                  now: datetime, replan: Callable | None = None, *, occurred_at=None,
                  device_id: str | None = None, fact_id: str | None = None
                  ) -> tuple[CaseEvent, list[str]]:
    """The request as a case event with its effects, from staff or from a pushed fact
    (`fact_id`, recorded on `device_id` at `occurred_at`)."""
    party = session.get(Party, case.debtor_id)
    effect = _complaint(session, actor_id, case, spec, now) if spec["kind"] == K.COMPLAINT \
        else _EFFECTS[spec["kind"]](session, case, party, spec, now)
    detail = {k: _plain(spec[k]) for k in _KEPT if spec.get(k) is not None} | effect
    if fact_id is not None:
        detail["fact_id"] = fact_id
    event = CaseEvent(case_id=case.id, kind=spec["kind"], occurred_at=occurred_at or now,
                      channel=spec.get("via", "staff"), recorded_by=actor_id,
                      device_id=device_id, detail=detail,
                      note=spec.get("note") if spec["kind"] != K.VULNERABILITY else None)
    session.add(event)
    session.flush()
    audit.record(session, actor_id, "case.request", "case", case.id,
                 {"kind": spec["kind"], "event_id": event.id}, now=now)
    cancelled = [v.id for v in cancel_forbidden_visits(session, actor_id, case,
                                                       spec["kind"], now)]
    if replan is not None and cancelled:
        replan(session, cancelled)  # before the release: it finds the collectors by assignment
    release_visits(session, cancelled, now)
    return event, cancelled


def _complaint(session: Session, actor_id: str, case: Case, spec: Mapping[str, Any],
               now: datetime) -> dict:
    """The debtor complains (at the door, on the phone): a complaint record with its clock."""
    via = spec.get("via", "staff")
    complaint = take_complaint(session, actor_id, case, {
        "category": spec["category"], "description": spec["note"],
        "channel": "field" if via == "door" else via, "visit_id": spec.get("visit_id")}, now)
    return {"complaint_id": complaint.id, "due_at": _plain(complaint.due_at)}


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def cancel_forbidden_visits(session: Session, actor_id: str, case: Case, why: str,
                            now: datetime) -> list[Visit]:
    """Cancel the case's planned and assigned visits that its debtor's state now blocks."""
    rows = session.execute(select(Visit, Address).join(Address, Address.id == Visit.address_id)
                           .where(Visit.case_id == case.id, Visit.status.in_(ASSIGNABLE))).all()
    if not rows:
        return []
    facts = case_facts_for(session, ProfileResolver(session), [(v, case, a) for v, a in rows])
    crews: dict[str, list[User]] = {}
    for visit_id, user in session.execute(select(VisitAssignee.visit_id, User).join(
            User, User.id == VisitAssignee.user_id).where(
            VisitAssignee.visit_id.in_(facts), VisitAssignee.ended_at.is_(None))):
        crews.setdefault(visit_id, []).append(user)
    cancelled = []
    for visit, _ in rows:
        verdict = verdict_for(facts[visit.id], crews.get(visit.id, []), now)
        blocks = [f for f in verdict.findings
                  if f.rule in DEBTOR_RULES and f.severity == Severity.BLOCK]
        if blocks:
            reason = f"{why}: {blocks[0].message}"[:200]
            visit.status, visit.cancel_reason = VisitStatus.CANCELLED, reason
            audit.record(session, actor_id, "visit.cancel", "visit", visit.id,
                         {"reason": reason, "rules": [str(f.rule) for f in blocks]}, now=now)
            cancelled.append(visit)
    session.flush()
    return cancelled


def release_visits(session: Session, visit_ids: list[str], now: datetime) -> None:
    """End the assignments of these visits: the pull scope drops them, devices get tombstones."""
    if not visit_ids:
        return
    for row in session.scalars(select(VisitAssignee).where(
            VisitAssignee.visit_id.in_(visit_ids), VisitAssignee.ended_at.is_(None))):
        row.ended_at = now
    session.flush()

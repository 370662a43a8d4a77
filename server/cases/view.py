"""GET /cases/{id}: the case as a person reads it, every part loaded once, masked per role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.access import Caller, readable_case
from server.audit.reads import keep_after_commit, record_read
from server.cases import masking
from server.cases.counts import case_counts
from server.cases.search import OPEN_FOLLOW_UPS
from server.clock import local_today
from server.compliance.effective import ProfileResolver, explain_effective, placed_agencies
from server.compliance.engine import allowed_windows
from server.compliance.inputs import DEFAULT_TZ, cease_channels, preferred_windows
from server.models import (
    Account,
    Address,
    Agency,
    Case,
    ContactPoint,
    FollowUp,
    OptOut,
    Party,
    PartyRelationship,
    PaymentPromise,
    Placement,
    PromiseStatus,
    Visit,
    VisitAssignee,
    VisitStatus,
)


def debtor_zone(session: Session, debtor_id: str) -> str:
    """The debtor's time zone: their home address's (else first address's), else the default."""
    tz = session.scalar(select(Address.time_zone).where(
        Address.party_id == debtor_id, Address.time_zone.is_not(None))
        .order_by((Address.kind != "home"), Address.created_at, Address.id).limit(1))
    return tz or DEFAULT_TZ


def read_case(session: Session, caller: Caller, case_id: str, now: datetime) -> dict:
    """The 360 view of one readable case, its read recorded in the audit trail."""
    case = readable_case(session, caller, case_id)
    record_read(session, caller.user_id, "case", case.id)
    role = caller.role
    relations = session.execute(select(PartyRelationship, Party).join(
        Party, Party.id == PartyRelationship.party_id).where(
        PartyRelationship.debtor_id == case.debtor_id).order_by(Party.full_name, Party.id)).all()
    debtor = session.get(Party, case.debtor_id)
    liable = {debtor.id} | {rel.party_id for rel, _ in relations if rel.debt_related}
    party_ids = [debtor.id, *(p.id for _, p in relations)]
    tz = debtor_zone(session, debtor.id)
    view = {
        "id": case.id, "case_ref": case.external_id, "lender_id": case.lender_id,
        "status": case.status, "jurisdiction": case.jurisdiction, "priority": case.priority,
        "opened_at": case.opened_at, "closed_at": case.closed_at,
        "last_activity_at": case.last_activity_at, "time_zone": tz,
        "debtor": _party(role, debtor),
        "related_parties": [{**_party(role, p), "relationship": rel.relationship,
                             "debt_related": rel.debt_related} for rel, p in relations],
        "accounts": _accounts(session, case.id),
        "addresses": list(session.scalars(select(Address).where(
            Address.party_id.in_(party_ids)).order_by(Address.created_at, Address.id))),
        "contact_points": _contacts(session, role, party_ids, liable),
        "placements": _placements(session, case.id),
        "open_promises": list(session.scalars(select(PaymentPromise).where(
            PaymentPromise.case_id == case.id, PaymentPromise.status == PromiseStatus.ACTIVE)
            .order_by(PaymentPromise.due_on, PaymentPromise.id))),
        "state": _state(session, role, case, debtor),
        "rules": _rules(session, case, debtor, tz, now),
        "open_follow_ups": list(session.scalars(select(FollowUp).where(
            FollowUp.case_id == case.id, FollowUp.status.in_(OPEN_FOLLOW_UPS))
            .order_by(FollowUp.due_at, FollowUp.id))),
        "open_visits": _visits(session, case.id),
        "counts": case_counts(session, case.id),
    }
    # Serialised after the caller's commit, which would expire (and reload) every row.
    keep_after_commit(session, [*view["accounts"], *view["addresses"], *view["open_promises"],
                                *view["open_follow_ups"]])
    return view


def _party(role: str, party: Party) -> dict:
    return {"id": party.id, "party_ref": party.external_id, "name": party.full_name,
            "national_id": masking.national_id(role, party.national_id),
            "gender": party.gender, "birth_date": party.birth_date, "language": party.language}


def _accounts(session: Session, case_id: str) -> list[Account]:
    return list(session.scalars(select(Account).where(Account.case_id == case_id)
                                .order_by(Account.external_id)))


def _contacts(session: Session, role: str, party_ids: list[str], liable: set[str]) -> list:
    opt_outs: dict[str | None, list] = {}
    for o in session.scalars(select(OptOut).where(OptOut.party_id.in_(party_ids))
                             .order_by(OptOut.recorded_at, OptOut.id)):
        opt_outs.setdefault(o.contact_point_id or o.party_id, []).append({
            "id": o.id, "channel": o.channel, "reason": o.reason,
            "recorded_at": o.recorded_at, "lifted_at": o.lifted_at,
            "scope": "contact_point" if o.contact_point_id else "party"})
    out = []
    for cp in session.scalars(select(ContactPoint).where(ContactPoint.party_id.in_(party_ids))
                              .order_by(ContactPoint.party_id, ContactPoint.id)):
        out.append({"id": cp.id, "party_id": cp.party_id, "channel": cp.channel,
                    "value": masking.contact_value(role, cp.value, cp.party_id in liable),
                    "label": cp.label, "valid": cp.valid,
                    "opt_outs": opt_outs.get(cp.id, []) + opt_outs.get(cp.party_id, [])})
    return out


def _placements(session: Session, case_id: str) -> list[dict]:
    rows = session.execute(select(Placement, Agency.code, Agency.name).join(
        Agency, Agency.id == Placement.agency_id).where(Placement.case_id == case_id)
        .order_by(Placement.placed_at, Placement.id))
    return [{"id": p.id, "agency_id": p.agency_id, "agency": code, "agency_name": name,
             "placed_at": p.placed_at, "ends_on": p.ends_on, "returned_at": p.returned_at,
             "current": p.returned_at is None} for p, code, name in rows]


def _state(session: Session, role: str, case: Case, debtor: Party) -> dict:
    return {"dispute_open": case.dispute_open, "hardship": case.hardship,
            "cease_channels": sorted(cease_channels(session, debtor.id)),
            "attorney_represented": debtor.attorney_represented,
            "vulnerable": debtor.vulnerable,
            "vulnerability_note": masking.restricted_note(role, debtor.vulnerability_note),
            "hold_until": debtor.hold_until, "hold_reason": debtor.hold_reason,
            "preferred_windows": debtor.preferred_windows or []}


def _rules(session: Session, case: Case, debtor: Party, tz: str, now: datetime) -> dict:
    explained = explain_effective(session, case.id)
    resolver = ProfileResolver(session)
    profile = resolver.merged(case.jurisdiction, case.lender_id,
                              placed_agencies(session, [case.id]).get(case.id, ()))
    today = local_today(now, tz)
    windows = allowed_windows(profile, today, tz, preferred_windows(debtor.preferred_windows))
    return {**explained, "local_date": today, "time_zone": tz,
            "contact_windows": [{"start": start, "end": end} for start, end in windows]}


def _visits(session: Session, case_id: str) -> list[dict]:
    visits = list(session.scalars(select(Visit).where(
        Visit.case_id == case_id, Visit.status.in_(VisitStatus.OPEN))
        .order_by(Visit.scheduled_on, Visit.id)))
    assignees: dict[str, list[str]] = {}
    if visits:
        for visit_id, user_id in session.execute(select(
                VisitAssignee.visit_id, VisitAssignee.user_id).where(
                VisitAssignee.visit_id.in_([v.id for v in visits]),
                VisitAssignee.ended_at.is_(None)).order_by(VisitAssignee.assigned_at)):
            assignees.setdefault(visit_id, []).append(user_id)
    return [{"id": v.id, "status": v.status, "scheduled_on": v.scheduled_on,
             "address_id": v.address_id, "team_id": v.team_id, "purpose": v.purpose,
             "window_start": v.window_start, "window_end": v.window_end,
             "assignee_ids": assignees.get(v.id, [])} for v in visits]


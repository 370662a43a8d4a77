"""Whose case is it: references of pushed facts checked against the collector's assignments.

A few set-based queries load what the push refers to (`Reach`); the per-row checks are plain
Python. A fact may be about a visit the collector is assigned to, or was assigned to when the
fact was recorded (a visit done offline before a reassignment is still a real visit).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, union
from sqlalchemy.orm import Session

from server.db.bulk import in_driving_values, in_values
from server.models import (
    Account,
    Address,
    Case,
    ConsentText,
    PartyRelationship,
    Visit,
    VisitAssignee,
)
from server.sync.tables import SYNC_TABLES
from server.sync.validate import Checked


@dataclass
class Reach:
    visits: dict = field(default_factory=dict)  # visit_id -> (case_id, [ended_at|None …])
    cases: dict = field(default_factory=dict)  # case_id -> [ended_at|None …]
    accounts: dict = field(default_factory=dict)  # account_id -> case_id
    parties: dict = field(default_factory=dict)  # case_id -> {party ids}
    addresses: dict = field(default_factory=dict)  # address_id -> party_id
    consent_texts: set = field(default_factory=set)
    debtors: dict = field(default_factory=dict)  # case_id -> debtor party id
    visit_created: dict = field(default_factory=dict)  # visit_id -> created_at
    balances: dict = field(default_factory=dict)  # account_id -> outstanding
    lenders: dict = field(default_factory=dict)  # account_id -> lender_id


def _wanted(rows: list[Checked], column: str) -> set:
    return {r.values.get(column) for r in rows if r.values.get(column)}


def load_reach(session: Session, collector_id: str, rows: list[Checked]) -> Reach:
    """Everything the rows refer to that the collector may reach, in a few queries."""
    reach = Reach()
    visit_ids, case_ids = _wanted(rows, "visit_id"), _wanted(rows, "case_id")
    # An address report without a visit may be about any address of the collector's open work.
    loose = any(r.values.get("address_id") and not (r.values.get("visit_id") or
                                                    r.values.get("case_id")) for r in rows)
    if visit_ids or case_ids or loose:
        parts = [in_driving_values(session, column, ids) for column, ids in
                 ((Visit.id, visit_ids), (Visit.case_id, case_ids)) if ids]
        if loose:
            parts.append(VisitAssignee.ended_at.is_(None))
        wanted = or_(*parts)
        # Core, not ORM, execution: plain tuples for a few hundred rows.
        for visit_id, case_id, debtor_id, ended_at, created in session.connection().execute(
                select(Visit.id, Visit.case_id, Case.debtor_id, VisitAssignee.ended_at,
                       Visit.created_at)
                .join(VisitAssignee, VisitAssignee.visit_id == Visit.id)
                .join(Case, Case.id == Visit.case_id)
                .where(VisitAssignee.user_id == collector_id, wanted)):
            reach.visits.setdefault(visit_id, (case_id, []))[1].append(ended_at)
            reach.cases.setdefault(case_id, []).append(ended_at)
            reach.debtors[case_id] = debtor_id
            reach.visit_created[visit_id] = created
    account_ids = _wanted(rows, "account_id")
    if account_ids:
        for account_id, case_id, outstanding, lender_id in session.execute(
                select(Account.id, Account.case_id, Account.outstanding, Account.lender_id)
                .where(in_values(session, Account.id, account_ids))):
            reach.accounts[account_id] = case_id
            reach.balances[account_id] = outstanding
            reach.lenders[account_id] = lender_id
    needs_parties = any(r.values.get(c) for r in rows
                        for c in ("party_id", "party_met_id", "address_id"))
    if reach.cases and needs_parties:
        cases = in_values(session, Case.id, reach.cases)
        debtors = select(Case.id.label("case_id"), Case.debtor_id.label("party_id")).where(cases)
        related = (select(Case.id, PartyRelationship.party_id)
                   .join(PartyRelationship, PartyRelationship.debtor_id == Case.debtor_id)
                   .where(cases))
        for case_id, party_id in session.execute(union(debtors, related)):
            reach.parties.setdefault(case_id, set()).add(party_id)
    address_ids = _wanted(rows, "address_id")
    if address_ids:
        reach.addresses = dict(session.execute(
            select(Address.id, Address.party_id).where(
                in_values(session, Address.id, address_ids))).all())
    text_ids = _wanted(rows, "consent_text_id")
    if text_ids:
        reach.consent_texts = set(session.scalars(
            select(ConsentText.id).where(ConsentText.id.in_(text_ids))))
    return reach


def _held(ends: list, at: datetime) -> bool:
    """An assignment still open, or closed after the fact happened."""
    return any(end is None or end >= at for end in ends)


@functools.cache
def _reference_columns(name: str) -> tuple[str, ...]:
    return tuple(c.name for c in SYNC_TABLES[name].table.columns if c.foreign_keys)


def check_refs(row: Checked, reach: Reach, at: datetime) -> dict:
    """Errors (column -> messages) if the fact refers to something outside the collector's work."""
    v = row.values
    empty = {c: ["an empty id refers to nothing (send null)"]
             for c in _reference_columns(row.table) if v.get(c) == ""}
    if empty:  # "" would pass the checks below (they test truth) and fail the foreign key
        return empty
    errors: dict = {}
    case_id = v.get("case_id")
    if v.get("visit_id"):
        visit = reach.visits.get(v["visit_id"])
        if visit is None or not _held(visit[1], at):
            errors["visit_id"] = ["not a visit assigned to you"]
        elif case_id and case_id != visit[0]:
            errors["case_id"] = ["not the case of this visit"]
        case_id = case_id or (visit[0] if visit else None)
    if case_id:
        row.extra.update(case_id=case_id, debtor_id=reach.debtors.get(case_id))
    if v.get("case_id") and "case_id" not in errors and not _held(
            reach.cases.get(v["case_id"], []), at):
        errors["case_id"] = ["not a case assigned to you"]
    if v.get("account_id") and reach.accounts.get(v["account_id"]) != case_id:
        errors["account_id"] = ["not an account of this case"]
    for column in ("party_id", "party_met_id"):
        if v.get(column) and v[column] not in reach.parties.get(case_id, set()):
            errors[column] = ["not a party of this case"]
    if v.get("consent_text_id") and v["consent_text_id"] not in reach.consent_texts:
        errors["consent_text_id"] = ["unknown consent text"]
    if v.get("address_id"):
        party = reach.addresses.get(v["address_id"])
        allowed = set().union(*reach.parties.values()) if case_id is None else \
            reach.parties.get(case_id, set())
        if party is None or party not in allowed:
            errors["address_id"] = ["not an address of your case"]
    return errors


def corrected(recorded_at: datetime, offset_ms: int | None) -> datetime:
    """Device time corrected by the estimated clock offset (server minus device)."""
    try:
        return recorded_at + timedelta(milliseconds=offset_ms or 0)
    except OverflowError:  # a time at the very end of the calendar: as late as can be
        return datetime.max.replace(tzinfo=recorded_at.tzinfo)

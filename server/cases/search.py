"""GET /cases: one SELECT of the cases a caller may read, searched, filtered and sorted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, union
from sqlalchemy.orm import Session

from server.access import Caller, assigned_to, case_readable
from server.clock import local_today
from server.compliance.inputs import DEFAULT_TZ
from server.errors import InvalidInput
from server.models import (
    Account,
    Agency,
    Case,
    Complaint,
    ComplaintStatus,
    ContactPoint,
    FollowUp,
    OptOut,
    Party,
    PartyRelationship,
    Placement,
    Team,
    User,
    Visit,
    VisitStatus,
)

OPEN_FOLLOW_UPS = ("open", "pending")
SORTS = ("case_ref", "opened_at", "last_activity_at", "priority", "dpd", "outstanding",
         "next_action")


def _max_dpd():
    return select(func.max(Account.dpd)).where(Account.case_id == Case.id).scalar_subquery()


def _outstanding():
    return select(func.sum(Account.outstanding)).where(
        Account.case_id == Case.id).scalar_subquery()


def _next_action():
    return select(func.min(FollowUp.due_at)).where(
        FollowUp.case_id == Case.id, FollowUp.status.in_(OPEN_FOLLOW_UPS)).scalar_subquery()


_SORT_KEYS = {"case_ref": lambda: Case.external_id, "opened_at": lambda: Case.opened_at,
              "last_activity_at": lambda: Case.last_activity_at,
              "priority": lambda: Case.priority, "dpd": _max_dpd, "outstanding": _outstanding,
              "next_action": _next_action}


def _code_id(session: Session, model, code: str, field: str) -> str:
    found = session.scalar(select(model.id).where(model.code == code))
    if found is None:
        raise InvalidInput(f"no {field} has the code {code!r}", {field: ["unknown code"]})
    return found


def _debtor_is(parties: Select) -> ColumnElement[bool]:
    """The case's debtor is one of `parties`, or is related to one of them (one IN over a
    UNION: an OR of two semi-joins made PostgreSQL scan every case)."""
    related = select(PartyRelationship.debtor_id).where(PartyRelationship.party_id.in_(parties))
    return Case.debtor_id.in_(union(parties, related))


def _searches(q: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    where = []
    if q.get("case_ref"):
        where.append(Case.external_id == q["case_ref"])
    if q.get("account_ref"):
        where.append(Case.id.in_(select(Account.case_id).where(
            Account.external_id == q["account_ref"])))
    if q.get("name"):
        prefix = q["name"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(Case.debtor_id.in_(select(Party.id).where(
            Party.full_name.like(f"{prefix}%", escape="\\"))))
    if q.get("phone"):
        where.append(_debtor_is(select(ContactPoint.party_id).where(
            ContactPoint.value == q["phone"])))
    if q.get("national_id_last4"):
        last4 = func.substr(Party.national_id, func.length(Party.national_id) - 3)
        where.append(Case.debtor_id.in_(select(Party.id).where(
            last4 == q["national_id_last4"])))
    return where


def _open_visits(*conditions) -> ColumnElement[bool]:
    return exists().where(Visit.case_id == Case.id, Visit.status.in_(VisitStatus.OPEN),
                          *conditions)


def _filters(session: Session, q: Mapping[str, Any], now: datetime) -> list[ColumnElement[bool]]:
    where = []
    if q.get("status"):
        where.append(Case.status == q["status"])
    if q.get("bucket") or q.get("dpd_min") is not None or q.get("dpd_max") is not None:
        account = [Account.case_id == Case.id]
        if q.get("bucket"):
            account.append(Account.bucket == q["bucket"])
        if q.get("dpd_min") is not None:
            account.append(Account.dpd >= q["dpd_min"])
        if q.get("dpd_max") is not None:
            account.append(Account.dpd <= q["dpd_max"])
        where.append(exists().where(*account))
    if q.get("agency"):
        agency_id = _code_id(session, Agency, q["agency"], "agency")
        where.append(Case.id.in_(select(Placement.case_id).where(
            Placement.agency_id == agency_id, Placement.returned_at.is_(None))))
    if q.get("team"):
        where.append(_open_visits(Visit.team_id == _code_id(session, Team, q["team"], "team")))
    if q.get("collector_id"):
        if session.get(User, q["collector_id"]) is None:
            raise InvalidInput("no such collector", {"collector_id": ["unknown user"]})
        where.append(_open_visits(assigned_to(q["collector_id"])))
    where += _flags(q, now)
    return where


def _flags(q: Mapping[str, Any], now: datetime) -> list[ColumnElement[bool]]:
    where = []
    if q.get("dispute") is not None:
        where.append(Case.dispute_open.is_(q["dispute"]))
    if q.get("hold") is not None:
        held = Case.debtor_id.in_(select(Party.id).where(
            Party.hold_until >= local_today(now, DEFAULT_TZ)))
        where.append(held if q["hold"] else ~held)
    if q.get("cease") is not None:
        ceased = Case.debtor_id.in_(select(OptOut.party_id).where(
            OptOut.contact_point_id.is_(None), OptOut.lifted_at.is_(None),
            or_(OptOut.reason == "cease", OptOut.channel == "all")))
        where.append(ceased if q["cease"] else ~ceased)
    if q.get("complaint") is not None:
        open_ = exists().where(Complaint.case_id == Case.id,
                               Complaint.status.in_(ComplaintStatus.OPEN))
        where.append(open_ if q["complaint"] else ~open_)
    if q.get("next_action_before") is not None:
        where.append(exists().where(FollowUp.case_id == Case.id,
                                    FollowUp.status.in_(OPEN_FOLLOW_UPS),
                                    FollowUp.due_at <= q["next_action_before"]))
    return where


def search_cases(session: Session, caller: Caller, q: Mapping[str, Any], now: datetime) -> Select:
    """The cases the caller may read that match every search and filter, sorted (`sort`:
    one of SORTS, `-` for descending; ties by id)."""
    stmt = select(Case).where(and_(case_readable(caller), *_searches(q), *_filters(session, q,
                                                                                   now)))
    sort = q.get("sort") or "-opened_at"
    key = _SORT_KEYS[sort.lstrip("-")]()
    order = key.desc() if sort.startswith("-") else key.asc()
    # Cases without accounts or follow-ups sort last either way.
    return stmt.order_by(order.nulls_last(), Case.id)

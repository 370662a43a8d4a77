"""One page of cases as list rows, in a fixed number of queries whatever the page size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.cases import masking
from server.cases.search import OPEN_FOLLOW_UPS
from server.clock import local_today
from server.compliance.inputs import DEFAULT_TZ, cease_channels_for
from server.db.bulk import in_values
from server.models import (
    Account,
    Agency,
    Case,
    FollowUp,
    Party,
    Placement,
    Visit,
    VisitAssignee,
    VisitStatus,
)


def _grouped(rows) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for key, *rest in rows:
        out[key].append(rest[0] if len(rest) == 1 else tuple(rest))
    return out


def case_rows(session: Session, role: str, cases: Sequence[Case], now: datetime) -> list[dict]:
    """List rows: the debtor (masked per role), accounts, agencies, collectors, flags."""
    ids = [c.id for c in cases]
    if not ids:
        return []
    debtors = {p.id: p for p in session.execute(
        select(Party.id, Party.full_name, Party.national_id, Party.vulnerable,
               Party.attorney_represented, Party.hold_until).where(
            in_values(session, Party.id, [c.debtor_id for c in cases])))}
    accounts = _grouped(session.execute(
        select(Account.case_id, Account.id, Account.external_id, Account.currency,
               Account.outstanding, Account.dpd, Account.bucket).where(
            in_values(session, Account.case_id, ids)).order_by(Account.external_id)))
    agencies = _grouped(session.execute(
        select(Placement.case_id, Agency.code).join(Agency, Agency.id == Placement.agency_id)
        .where(in_values(session, Placement.case_id, ids), Placement.returned_at.is_(None))
        .order_by(Agency.code)))
    collectors = _grouped(session.execute(
        select(Visit.case_id, VisitAssignee.user_id).distinct()
        .join(VisitAssignee, VisitAssignee.visit_id == Visit.id)
        .where(in_values(session, Visit.case_id, ids), Visit.status.in_(VisitStatus.OPEN),
               VisitAssignee.ended_at.is_(None)).order_by(VisitAssignee.user_id)))
    next_action = dict(session.execute(
        select(FollowUp.case_id, func.min(FollowUp.due_at)).where(
            in_values(session, FollowUp.case_id, ids), FollowUp.status.in_(OPEN_FOLLOW_UPS))
        .group_by(FollowUp.case_id)).all())
    cease = cease_channels_for(session, list(debtors))
    today = local_today(now, DEFAULT_TZ)
    out = []
    for case in cases:
        debtor = debtors[case.debtor_id]
        rows = accounts.get(case.id, [])
        out.append({
            "id": case.id, "case_ref": case.external_id, "lender_id": case.lender_id,
            "status": case.status, "jurisdiction": case.jurisdiction,
            "priority": case.priority, "opened_at": case.opened_at,
            "last_activity_at": case.last_activity_at,
            "debtor": {"id": debtor.id, "name": debtor.full_name,
                       "national_id": masking.national_id(role, debtor.national_id)},
            "accounts": [{"id": a[0], "account_ref": a[1], "currency": a[2],
                          "outstanding": a[3], "dpd": a[4], "bucket": a[5]} for a in rows],
            "max_dpd": max((a[4] for a in rows), default=None),
            "agencies": agencies.get(case.id, []),
            "collector_ids": collectors.get(case.id, []),
            "next_action_at": next_action.get(case.id),
            "flags": {"dispute": case.dispute_open, "hardship": case.hardship,
                      "vulnerable": debtor.vulnerable, "attorney": debtor.attorney_represented,
                      "hold": debtor.hold_until is not None and debtor.hold_until >= today,
                      "cease": sorted(cease.get(debtor.id, ()))},
        })
    return out


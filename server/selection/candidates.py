"""The cases a team could visit on a day, each with why a model may not select it (if so).

Vulnerable debtors, open disputes, holds, and cease / attorney / visit opt-outs are never
selected by a model; they stay in the list (with the reason) so the dispatcher sees why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session

from server.access import placed_with
from server.models import (
    Account,
    Address,
    Case,
    CaseStatus,
    OptOut,
    Party,
    Team,
    Visit,
    VisitStatus,
)

EXCLUSIONS = ("vulnerable", "dispute_open", "hold", "cease_or_attorney", "visit_opt_out")


@dataclass(frozen=True)
class CaseRow:
    """A candidate case with the default rule's inputs and its exclusion, if any."""

    case_id: str
    lender_id: str
    case_ref: str
    priority: int
    dpd: int
    excluded: str | None


def _exclusion(on: date):
    opted_out = exists().where(OptOut.party_id == Party.id, OptOut.lifted_at.is_(None),
                               OptOut.channel.in_(("visit", "all")))
    return case(
        (Party.vulnerable, "vulnerable"),
        (Case.dispute_open, "dispute_open"),
        (Party.hold_until >= on, "hold"),
        (or_(Party.attorney_represented,
             exists().where(OptOut.party_id == Party.id, OptOut.lifted_at.is_(None),
                            OptOut.reason.in_(("cease", "attorney")))), "cease_or_attorney"),
        (opted_out, "visit_opt_out"),
        else_=None)


def team_candidates(session: Session, team: Team, on: date) -> list[CaseRow]:
    """Open cases placed with the team's agency that have a visit for the team that day or a
    debtor address in its territory."""
    day_visit = exists().where(Visit.case_id == Case.id, Visit.scheduled_on == on,
                               Visit.status.in_(VisitStatus.OPEN),
                               or_(Visit.team_id == team.id, Visit.team_id.is_(None)))
    in_area = exists().where(Address.party_id == Case.debtor_id,
                             Address.district.in_(list(team.territory or [])))
    dpd = (select(func.max(Account.dpd)).where(Account.case_id == Case.id)
           .scalar_subquery())
    visit_priority = (select(func.max(Visit.priority)).where(
        Visit.case_id == Case.id, Visit.scheduled_on == on).scalar_subquery())
    stmt = (select(Case.id, Case.lender_id, Case.external_id,
                   func.coalesce(visit_priority, Case.priority), func.coalesce(dpd, 0),
                   _exclusion(on))
            .join(Party, Party.id == Case.debtor_id)
            .where(Case.status == CaseStatus.OPEN, Case.id.in_(placed_with(team.agency_id)),
                   or_(day_visit, in_area))
            .order_by(Case.id))
    return [CaseRow(*row) for row in session.execute(stmt)]

"""Auto-assign a team's planned visits of one day (see planner.py for the algorithm).

Candidates are the day's planned, unassigned visits of open cases placed with the team's
agency, either planned for the team or (no team yet) at an address in its territory. Visits
are never created here: open cases get visits from dispatchers, imports and follow-ups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from server.access import Caller, placed_with
from server.audit import service as audit
from server.cases.complaints import conduct_subjects
from server.compliance.effective import ProfileResolver
from server.compliance.engine import Rule, merge_strictest
from server.compliance.engine.rules import credential_findings
from server.db.feed import record_changes
from server.dispatch.checks import case_facts_for, credentials, verdict_for
from server.dispatch.planner import Crew, Job, Left, plan
from server.dispatch.workload import find_team, loads
from server.errors import Conflict
from server.models import (
    Account,
    Address,
    Case,
    CaseStatus,
    PaymentPromise,
    PromiseStatus,
    Role,
    Team,
    User,
    Visit,
    VisitAssignee,
    VisitStatus,
    new_id,
)
from server.selection.hooks import NEUTRAL, selection_ranks

USABLE = ("geocoded", "field_verified", "needs_reverification")  # states with a usable point
_LATER = (Rule.TWO_PERSON, Rule.CREDENTIALS)  # judged once collectors are chosen


@dataclass(frozen=True)
class AutoAssignRequest:
    team: str
    on: date
    balance: str = "count"
    dry_run: bool = False


def _candidates(session: Session, team: Team, on: date) -> list:
    active = exists().where(VisitAssignee.visit_id == Visit.id, VisitAssignee.ended_at.is_(None))
    in_area = Address.district.in_(list(team.territory or []))
    stmt = (select(Visit, Case, Address).join(Case, Case.id == Visit.case_id)
            .join(Address, Address.id == Visit.address_id)
            .where(Visit.scheduled_on == on, Visit.status == VisitStatus.PLANNED, ~active,
                   Case.status == CaseStatus.OPEN, Case.id.in_(placed_with(team.agency_id)),
                   or_(Visit.team_id == team.id, Visit.team_id.is_(None) & in_area))
            .order_by(Visit.id))
    return list(session.execute(stmt))


def _priorities(session: Session, case_ids: list[str]) -> tuple[dict, dict]:
    amounts = {cid: (float(amount or 0), int(dpd or 0)) for cid, amount, dpd in session.execute(
        select(Account.case_id, func.sum(Account.outstanding), func.max(Account.dpd))
        .where(Account.case_id.in_(case_ids)).group_by(Account.case_id))}
    broken = dict(session.execute(
        select(PaymentPromise.case_id, func.count()).where(
            PaymentPromise.case_id.in_(case_ids), PaymentPromise.status == PromiseStatus.BROKEN)
        .group_by(PaymentPromise.case_id)).all())
    return amounts, broken


def auto_assign(session: Session, caller: Caller, req: AutoAssignRequest, now: datetime,
                balance_km: float = 10.0) -> dict:
    """Assign the day's candidates of a team; report who got what and why the rest did not."""
    team = find_team(session, caller, req.team)
    rows = _candidates(session, team, req.on)
    users = session.scalars(select(User).where(
        User.team_id == team.id, User.role == Role.COLLECTOR, User.active.is_(True))
        .order_by(User.id)).all()
    amounts, broken = _priorities(session, [case.id for _, case, _ in rows])
    chosen = selection_ranks(session, [case.id for _, case, _ in rows], req.on)
    # The rules' inputs of every candidate at once: a few queries, not a few per candidate.
    facts = case_facts_for(session, ProfileResolver(session),
                           [row for row in rows if _usable(row[2])])
    jobs, left = [], []
    for visit, case, address in rows:
        if not _usable(address):
            left.append(Left(visit.id, case.id, "no verified coordinates"))
            continue
        fx = facts[visit.id]
        blocks = [f for f in verdict_for(fx, [], now).unresolved_blocks({})
                  if f.rule not in _LATER]
        if blocks:
            left.append(_compliance_left(visit.id, case.id, blocks))
            continue
        amount, dpd = amounts.get(case.id, (0.0, 0))
        jobs.append(Job(visit.id, case.id, address.lat, address.lng,
                        max(visit.required_collectors, fx.profile.two_person_min), amount,
                        (not visit.mandatory, chosen.get(case.id, NEUTRAL), -visit.priority,
                         -broken.get(case.id, 0), -dpd, -amount, visit.id)))
    excluded = _uncredentialed(users, facts, req.on)
    load = loads(session, req.on, [u.id for u in users])
    crew = [Crew(u.id, u.base_lat, u.base_lng, u.daily_capacity, load.get(u.id, (0, 0))[0],
                 float(load.get(u.id, (0, 0))[1])) for u in users if u.id not in excluded]
    office = (team.office_lat, team.office_lng) if team.office_lat is not None else None
    result = plan(jobs, crew, req.balance, balance_km, office)
    by_user = {u.id: u for u in users}
    placed = []
    recused = conduct_subjects(session, [case.id for _, case, _ in rows])
    for p in result.placed:
        blocks = verdict_for(facts[p.visit_id], [by_user[m] for m in p.collector_ids],
                             now).unresolved_blocks({})
        case_id = facts[p.visit_id].case.id
        if recused.get(case_id, set()) & set(p.collector_ids):
            left.append(Left(p.visit_id, case_id, "an open conduct complaint names a collector"))
        elif blocks:
            left.append(_compliance_left(p.visit_id, facts[p.visit_id].case.id, blocks))
        else:
            placed.append(p)
    if placed and not req.dry_run:
        _write(session, caller, team, req, placed, now)
    return {"team_id": team.id, "date": req.on, "balance": req.balance, "dry_run": req.dry_run,
            "assigned": [{"visit_id": p.visit_id, "case_id": facts[p.visit_id].case.id,
                          "collector_ids": list(p.collector_ids), "distance_km": p.distance_km}
                         for p in placed],
            "unassigned": [{"visit_id": x.visit_id, "case_id": x.case_id, "reason": x.reason}
                           for x in left + result.left],
            "pairs": [list(pair) for pair in result.pairs],
            "excluded_collectors": [{"user_id": uid, "reason": why}
                                    for uid, why in sorted(excluded.items())]}


def _usable(address: Address) -> bool:
    return (address.lat is not None and address.lng is not None
            and address.verification_state in USABLE)


def _compliance_left(visit_id: str, case_id: str, blocks) -> Left:
    why = "; ".join(f"{f.rule} ({f.message})" for f in blocks)
    return Left(visit_id, case_id, f"compliance: {why}")


def _uncredentialed(users, facts: dict, on: date) -> dict[str, str]:
    """Collectors whose credentials fail under the strictest of the day's profiles."""
    profiles = {f.profile.code: f.profile for f in facts.values()}
    if not profiles:
        return {}
    strictest = merge_strictest(list(profiles.values())) if len(profiles) > 1 else \
        next(iter(profiles.values()))
    found = credential_findings(strictest, [u.id for u in users], credentials(users), on)
    return {f.details["collector_id"]: f"CREDENTIALS ({f.message})" for f in found}


def _write(session: Session, caller: Caller, team: Team, req: AutoAssignRequest, placed,
           now: datetime) -> None:
    ids = [p.visit_id for p in placed]
    done = session.execute(
        update(Visit).where(Visit.id.in_(ids), Visit.status == VisitStatus.PLANNED)
        .values(status=VisitStatus.ASSIGNED, team_id=team.id, version=Visit.version + 1,
                updated_at=now).execution_options(synchronize_session=False))
    if done.rowcount != len(ids):
        raise Conflict("some visits changed while auto-assigning; run it again")
    rows = [{"id": new_id(), "visit_id": p.visit_id, "user_id": uid, "assigned_at": now,
             "assigned_by": caller.user_id, "role": "lead" if i == 0 else "second"}
            for p in placed for i, uid in enumerate(p.collector_ids)]
    session.execute(insert(VisitAssignee), rows)
    record_changes(session, "visits", ids)
    record_changes(session, "visit_assignees", [r["id"] for r in rows])
    audit.record(session, caller.user_id, "visit.assign", "team", team.id,
                 {"auto": True, "date": str(req.on), "balance": req.balance,
                  "assignments": [{"visit_id": p.visit_id, "collectors": list(p.collector_ids)}
                                  for p in placed]}, now=now)

"""Use cases on visits: create (one or many), reschedule, cancel, reassign."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from server.access import Caller, case_visible, sees_everything
from server.audit import service as audit
from server.clock import local_today
from server.compliance.effective import ProfileResolver
from server.compliance.inputs import DEFAULT_TZ
from server.dispatch.assignment import ASSIGNABLE, assign_visit
from server.dispatch.queries import VisitView, active_assignees, as_views, get_visible_visit
from server.errors import InvalidInput, NotFound, RuleViolation, StaleVersion
from server.models import Address, Case, CaseStatus, Team, User, Visit, VisitStatus

_PLAN_FIELDS = ("scheduled_on", "window_start", "window_end", "team_id", "purpose",
                "talking_points", "offer", "mandatory", "required_collectors", "priority",
                "service_minutes")
_SCHEDULE = ("scheduled_on", "window_start", "window_end")
# A visit may be planned for a moment ago (a dispatcher writing up a visit happening now), not
# for yesterday: a visit in the past can never be made and would skew caps and plans.
PAST_TOLERANCE = timedelta(hours=1)


def _case(session: Session, caller: Caller, case_id: str, where: str) -> Case:
    case = session.scalar(select(Case).where(Case.id == case_id, case_visible(caller)))
    if case is None:
        raise NotFound(f"no case {case_id!r}", {where: ["no such case"]})
    if case.status != CaseStatus.OPEN:
        raise InvalidInput(f"case {case_id!r} is {case.status}", {where: ["the case is not open"]})
    return case


def past_errors(schedule: Mapping[str, Any], tz: str, now: datetime,
                where: str = "") -> dict[str, list[str]]:
    """Errors for a day or window already over (beyond PAST_TOLERANCE), in the visit's zone."""
    since = now - PAST_TOLERANCE
    if schedule.get("window_start") is not None:
        if schedule["window_start"] < since:
            return {f"{where}window_start": ["the window starts in the past"]}
    elif schedule["scheduled_on"] < local_today(since, tz):
        return {f"{where}scheduled_on": [f"the day is over in {tz}; plan today or later"]}
    return {}


def _check_plan(session: Session, caller: Caller, spec: Mapping[str, Any], case: Case,
                where: str, now: datetime) -> None:
    errors: dict[str, list[str]] = {}
    address = session.get(Address, spec["address_id"])
    if address is None or address.party_id != case.debtor_id:
        errors[f"{where}address_id"] = ["not an address of the case's debtor"]
    else:
        errors.update(past_errors(spec, address.time_zone or DEFAULT_TZ, now, where))
    team_id = spec.get("team_id")
    if team_id:
        team = session.get(Team, team_id)
        if team is None or not (sees_everything(caller) or team.agency_id == caller.agency_id):
            errors[f"{where}team_id"] = ["no such team in your agency"]
    if errors:
        raise InvalidInput("the visit plan has invalid fields", errors)


def _team_of(session: Session, caller: Caller, assignees: Sequence[str] | None) -> str | None:
    """A visit's team when the plan names none: the planner's own, else its lead collector's."""
    if caller.team_id:
        return caller.team_id
    if assignees:
        return session.scalar(select(User.team_id).where(User.id == assignees[0]))
    return None


Replanner = Callable[[Session, list[str]], object]


def create_visits(session: Session, caller: Caller, specs: Sequence[Mapping[str, Any]],
                  now: datetime, replan: Replanner | None = None) -> list[VisitView]:
    """Create visits (all or none); those with `assignees` are assigned under the rules.

    `replan` re-plans the routes the new assigned visits fall on (days already planned)."""
    resolver, views = ProfileResolver(session), []
    for index, spec in enumerate(specs):
        where = f"visits.{index}." if len(specs) > 1 else ""
        case = _case(session, caller, spec["case_id"], f"{where}case_id")
        _check_plan(session, caller, spec, case, where, now)
        visit = Visit(case_id=case.id, address_id=spec["address_id"], created_by=caller.user_id,
                      **{k: spec[k] for k in _PLAN_FIELDS if spec.get(k) is not None})
        visit.team_id = visit.team_id or _team_of(session, caller, spec.get("assignees"))
        session.add(visit)
        session.flush()
        findings = []
        if spec.get("assignees"):
            try:
                findings = assign_visit(session, caller, visit, spec["assignees"],
                                        spec.get("overrides") or {}, now, resolver)
            except RuleViolation as exc:
                raise RuleViolation(f"{where}{exc.message}" if where else exc.message,
                                    [{**f, "index": index} for f in exc.findings]) from None
        views.append(VisitView(visit, [], findings))
    fresh = active_assignees(session, [v.visit.id for v in views])
    for view in views:
        view.assignees = fresh.get(view.visit.id, [])
    assigned = [v.visit.id for v in views if v.assignees]
    if replan is not None and assigned:
        replan(session, assigned)
    return views


def check_version(visit: Visit, version: int) -> None:
    """StaleVersion unless the caller saw the visit's current version."""
    if version != visit.version:
        raise StaleVersion(f"the visit changed since version {version}; reload and retry",
                           {"version": [f"current version is {visit.version}"]})


def update_visit(session: Session, caller: Caller, visit_id: str, changes: Mapping[str, Any],
                 version: int, now: datetime, replan: Replanner | None = None) -> VisitView:
    """Reschedule, cancel or reassign a visit the caller saw at `version`.

    `replan` re-plans the routes of the collectors the change touches (old and new)."""
    visit = get_visible_visit(session, caller, visit_id)
    check_version(visit, version)
    try:
        findings = _apply(session, caller, visit, changes, now)
        session.flush()
    except StaleDataError:  # someone else committed between our read and our write
        raise StaleVersion("the visit changed meanwhile; reload and retry") from None
    if replan is not None:
        replan(session, [visit.id])
    view = as_views(session, [visit])[0]
    view.findings = findings
    return view


def _apply(session: Session, caller: Caller, visit: Visit, changes: Mapping[str, Any],
           now: datetime) -> list[dict]:
    if changes.get("status") == VisitStatus.CANCELLED:
        if visit.status not in ASSIGNABLE:
            raise InvalidInput(f"a {visit.status} visit cannot be cancelled",
                               {"status": ["only planned or assigned visits can be cancelled"]})
        visit.status, visit.cancel_reason = VisitStatus.CANCELLED, changes["cancel_reason"]
        audit.record(session, caller.user_id, "visit.cancel", "visit", visit.id,
                     {"reason": changes["cancel_reason"]}, now=now)
        return []
    moved = {k: changes[k] for k in _SCHEDULE if k in changes}
    if moved:
        if visit.status not in ASSIGNABLE:
            raise InvalidInput(f"a {visit.status} visit cannot be rescheduled",
                               {"scheduled_on": ["only planned or assigned visits move"]})
        old = {k: str(getattr(visit, k)) if getattr(visit, k) else None for k in moved}
        for key, value in moved.items():
            setattr(visit, key, value)
        _check_window(visit)
        _check_not_past(session, visit, now)
    assignees = changes.get("assignees")
    if assignees is None and moved:  # the same collectors, judged again at the new time
        assignees = [a.user_id for a in active_assignees(session, [visit.id]).get(visit.id, [])]
        assignees = assignees or None
    findings = []
    if assignees is not None:
        findings = assign_visit(session, caller, visit, assignees,
                                changes.get("overrides") or {}, now)
    if moved:
        audit.record(session, caller.user_id, "visit.reschedule", "visit", visit.id,
                     {"before": old, "after": {k: str(v) if v else None
                                               for k, v in moved.items()}}, now=now)
    return findings


def _check_not_past(session: Session, visit: Visit, now: datetime) -> None:
    address = session.get(Address, visit.address_id)
    errors = past_errors({k: getattr(visit, k) for k in _SCHEDULE},
                         (address.time_zone if address else None) or DEFAULT_TZ, now)
    if errors:
        raise InvalidInput("a visit cannot be moved into the past", errors)


def _check_window(visit: Visit) -> None:
    start, end = visit.window_start, visit.window_end
    if (start is None) != (end is None):
        raise InvalidInput("an appointment window needs both ends",
                           {"window_end": ["give window_start and window_end together"]})
    if start is not None and end <= start:
        raise InvalidInput("the window ends before it starts",
                           {"window_end": ["must be after window_start"]})

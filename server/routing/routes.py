"""One vehicle (a collector or a crew of two) at a time: windows, the solver, the safety check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from server.compliance.engine import allowed_windows
from server.compliance.engine.intervals import normalize
from server.routing.solver import (
    Budget,
    Collector,
    MatrixProvider,
    Plan,
    Point,
    Problem,
    Stop,
    solve,
)

from .day import Day, DayVisit
from .timing import DayClock, Span, inside, service_windows

NO_COORDINATES = "no coordinates"
NO_LEGAL_WINDOW = "no legal contact window that day (quiet hours, preferences or appointment)"
NO_BASE = "the collector has no base location and the team no office"
SHORT_CREW = ("needs more collectors than are assigned (an assignment ended or a collector is "
              "deactivated); assign another or override TWO_PERSON")


class UnsafePlan(RuntimeError):
    """A computed plan would put a visit outside its legal window or beyond a shift (a bug)."""


@dataclass
class VehicleDay:
    """A solved vehicle: who, where from, its clock and shift, the plan and what was dropped."""

    members: tuple[str, ...]
    clock: DayClock
    shift: tuple[int, int]
    start: Point | None
    visits: dict[str, DayVisit]
    legal: dict[str, list[Span]] = field(default_factory=dict)
    plan: Plan | None = None
    dropped: list[tuple[str, bool, str]] = field(default_factory=list)  # visit, mandatory, why
    two_person: str = "ride_together"  # or "meet": how this day's two-person visits were planned


def vehicle_day(day: Day, members: tuple[str, ...], visits: Sequence[DayVisit]) -> VehicleDay:
    """The vehicle's clock (first member's team zone), shared shift and start point.

    A crew's shift is the overlap of both shifts; it meets at the first member's team office,
    else starts from the first member's (then the second's) base.
    """
    people = [day.collectors[m] for m in members]
    clock = DayClock.of(day.day, people[0].tz)
    start_s = max(int(clock.seconds(clock.wall(p.shift_start_min, p.tz))) for p in people)
    end_s = min(int(clock.seconds(clock.wall(p.shift_end_min, p.tz))) for p in people)
    start = people[0].base if len(people) == 1 else (
        people[0].office or people[0].base or people[1].base)
    return VehicleDay(members, clock, (start_s, max(start_s, end_s)), start,
                      {v.id: v for v in visits})


def legal_spans(visit: DayVisit, clock: DayClock, cache: dict) -> list[Span]:
    """UTC intervals in which contact is allowed in the debtor's own zone, around the day.

    The debtor's local dates before and after are included, so a debtor in another zone
    than the team's gets exactly the hours of the collector's day that are legal for them.
    """
    tz = visit.tz or clock.tz
    key = (visit.profile, tz, visit.preferences, visit.consented)
    if key not in cache:
        cache[key] = normalize(
            span
            for k in (-1, 0, 1)
            for span in allowed_windows(visit.profile, clock.day + timedelta(days=k), tz,
                                        visit.preferences, visit.consented)
        )
    return cache[key]


def placeable(vd: VehicleDay, visit: DayVisit, cache: dict) -> tuple | None:
    """The visit's service windows on the vehicle's clock, or None (and why, on vd.dropped)."""
    reason = None
    if len(visit.assignees) < visit.required:
        reason = SHORT_CREW
    elif visit.location is None:
        reason = NO_COORDINATES
    elif vd.start is None:
        reason = NO_BASE
    else:
        vd.legal[visit.id] = legal_spans(visit, vd.clock, cache)
        windows = service_windows(vd.legal[visit.id], visit.appointment, visit.service_s,
                                  vd.clock)
        if windows:
            return windows
        reason = NO_LEGAL_WINDOW  # never pass empty windows: to the solver they mean "any time"
    vd.dropped.append((visit.id, visit.mandatory, reason))
    return None


def solve_vehicle(vd: VehicleDay, provider: MatrixProvider, budget: Budget, cache: dict) -> None:
    """Build the stops that can be placed, solve, and record the plan and the dropped visits."""
    stops = []
    for visit in vd.visits.values():
        windows = placeable(vd, visit, cache)
        if windows is None:
            continue
        # Every visit here was assigned by a dispatcher: served whenever it fits the day.
        stops.append(Stop(visit.id, visit.location, visit.service_s, windows, visit.mandatory,
                          visit.prize, required_collectors=min(len(visit.assignees), 2),
                          assigned=True))
    if not stops:
        return
    collector = Collector("+".join(vd.members), vd.start, *vd.shift, crew_size=len(vd.members))
    vd.plan = solve(Problem((collector,), tuple(stops)), provider, budget)
    vd.dropped += [(d.stop_id, d.mandatory, d.reason) for d in vd.plan.dropped]
    check_safe(vd)


def check_safe(vd: VehicleDay) -> None:
    """Refuse any visit outside its legal window or appointment, or a route beyond the shift."""
    for route in vd.plan.routes:
        if route.depart_s < vd.shift[0] or route.return_s > vd.shift[1]:
            raise UnsafePlan(f"route of {route.collector_id} leaves the shift {vd.shift}")
        for v in route.visits:
            visit = vd.visits[v.stop_id]
            start, end = vd.clock.at(v.start_s), vd.clock.at(v.end_s)
            if v.start_s < vd.shift[0] or not inside(start, end, vd.legal[v.stop_id],
                                                     visit.appointment):
                raise UnsafePlan(f"visit {v.stop_id} at {start.isoformat()} is outside its "
                                 "legal window or appointment")

"""Two-person visits as meetings: each collector drives their own route and both are at the
shared visit within a tolerance (server/routing/solver/sync.py); the other choice, riding together
all day, is crews.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from server.routing.solver import Budget, Collector, MatrixProvider, Problem, Stop
from server.routing.solver.sync import solve_synchronised

from .crews import TOO_MANY_COLLECTORS, Crews
from .day import Day, DayVisit
from .routes import VehicleDay, check_safe, placeable, vehicle_day


def form_meetings(collectors: Iterable[str], assignees: Mapping[str, tuple[str, ...]]) -> Crews:
    """Groups of collectors linked by shared visits (solved together), everyone else alone."""
    parent = {c: c for c in collectors}

    def root(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for who in assignees.values():
        if len(set(who)) == 2:
            a, b = sorted(who)
            parent[root(b)] = root(a)
    groups: dict[str, list[str]] = {}
    for c in sorted(parent):
        groups.setdefault(root(c), []).append(c)
    vehicles = tuple(tuple(g) for g in groups.values())
    by_member = {m: v for v in vehicles for m in v}
    crews = Crews(vehicles)
    for visit_id, who in assignees.items():
        if len(set(who)) > 2:
            crews.dropped[visit_id] = TOO_MANY_COLLECTORS
        elif who:
            crews.vehicle_of[visit_id] = by_member[who[0]]
    return crews


def solve_meeting(day: Day, members: tuple[str, ...], visits: list[DayVisit],
                  provider: MatrixProvider, budget: Budget, cache: dict,
                  tolerance_s: int) -> list[VehicleDay]:
    """Solve a group's routes together; each member gets a VehicleDay of their own route."""
    vds = {m: vehicle_day(day, (m,), [v for v in visits if m in v.assignees]) for m in members}
    clock = vds[members[0]].clock  # collectors of one team share its zone
    stops = []
    for visit in visits:
        # Windows on the group's clock; every assignee's plan records a drop.
        firsts = [vds[m] for m in visit.assignees]
        windows = placeable(firsts[0], visit, cache)
        for other in firsts[1:]:
            other.legal.update(firsts[0].legal)
            if windows is None:
                other.dropped.append(firsts[0].dropped[-1])
        if windows is None:
            continue
        stops.append(Stop(visit.id, visit.location, visit.service_s, windows, visit.mandatory,
                          visit.prize, required_collectors=len(visit.assignees),
                          allowed_collector_ids=frozenset(visit.assignees), assigned=True))
    collectors = tuple(Collector(m, vd.start, *vd.shift) for m, vd in vds.items()
                       if vd.start is not None and vd.clock.tz == clock.tz)
    if stops and collectors:
        plan = solve_synchronised(Problem(collectors, tuple(stops)), provider, budget,
                                  tolerance_s)
        for m, vd in vds.items():
            route = plan.route_of(m)
            vd.plan = replace(plan, routes=(route,) if route else (), dropped=())
            vd.dropped += [(d.stop_id, d.mandatory, d.reason) for d in plan.dropped
                           if d.stop_id in vd.visits]
            check_safe(vd)
    return list(vds.values())

"""Pure output dataclasses: ordered visits with ETAs per collector, and what was left out."""

from __future__ import annotations

from dataclasses import dataclass

from server.errors import DomainError

# Reasons a stop is not on any route; stable strings so callers can show or match them.
NO_ELIGIBLE_COLLECTOR = "no eligible collector (crew size or allowed collectors)"
NO_FEASIBLE_WINDOW = "no feasible window (cannot be reached in a window and back by shift end)"
NOT_PROFITABLE = "not profitable or over the capacity of the day"
MANDATORY_CONFLICT = "mandatory but does not fit together with the other mandatory visits"
DOES_NOT_FIT = "assigned but does not fit the day together with the mandatory and assigned visits"


class RoutingFailed(DomainError):
    """The solver could not produce a feasible plan, even with mandatory visits relaxed."""


@dataclass(frozen=True)
class Visit:
    """One stop on a route, with times in seconds since local midnight."""

    stop_id: str
    arrival_s: int  # when the collector gets there
    start_s: int  # service start: arrival plus any wait for the window to open
    end_s: int  # service end, when the collector leaves
    wait_s: int
    window: tuple[int, int]  # the single window interval the visit was planned in
    leg_distance_m: int  # from the previous stop (or the start point)
    leg_duration_s: int


@dataclass(frozen=True)
class Route:
    """A collector's (or pair's) day: leave start, visits in order, reach end."""

    collector_id: str
    depart_s: int
    return_s: int
    visits: tuple[Visit, ...]
    return_leg_distance_m: int
    return_leg_duration_s: int

    @property
    def distance_m(self) -> int:
        """Total travelled distance including the way back."""
        return sum(v.leg_distance_m for v in self.visits) + self.return_leg_distance_m

    @property
    def duration_s(self) -> int:
        """Time away from the start point: travel, waiting and service."""
        return self.return_s - self.depart_s


@dataclass(frozen=True)
class DroppedStop:
    """A stop that is on no route, and why."""

    stop_id: str
    mandatory: bool
    reason: str


@dataclass(frozen=True)
class Plan:
    """The solved day. complete is False when some mandatory stop could not be placed."""

    routes: tuple[Route, ...]
    dropped: tuple[DroppedStop, ...]
    objective: int  # solver cost: travel cost minus prizes collected (cost units)
    runtime_s: float
    iterations: int
    fallback_pairs: int = 0  # travel-matrix cells estimated by straight line (OSRM failed)

    @property
    def complete(self) -> bool:
        """True when every mandatory stop is on a route."""
        return not any(d.mandatory for d in self.dropped)

    @property
    def distance_m(self) -> int:
        """Total travelled distance of all routes."""
        return sum(r.distance_m for r in self.routes)

    @property
    def duration_s(self) -> int:
        """Total time away of all routes."""
        return sum(r.duration_s for r in self.routes)

    def route_of(self, collector_id: str) -> Route | None:
        """The route of one collector, or None when that collector stays home."""
        return next((r for r in self.routes if r.collector_id == collector_id), None)

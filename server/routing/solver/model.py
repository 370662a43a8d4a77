"""Pure input dataclasses for one planning day (integer seconds since local midnight, metres)."""

from __future__ import annotations

from dataclasses import dataclass

DAY_S = 86_400
# Fewest iterations without improvement that count as converged, however small the day.
MIN_STALL = 50
# The stall limit grows with the square of the day's size: stall_per_stop x stops at this
# many stops, less below (20-stop days: a quarter of it), more above.
STALL_REFERENCE_STOPS = 40


@dataclass(frozen=True)
class Point:
    """A WGS84 position in decimal degrees."""

    lat: float
    lng: float


@dataclass(frozen=True)
class Collector:
    """One route: a collector, or a pair driving together when crew_size == 2."""

    id: str
    start: Point
    shift_start_s: int
    shift_end_s: int
    end: Point | None = None  # None: back to start (home or office)
    max_duration_s: int | None = None  # cap on time away, shorter than the shift if set
    crew_size: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.shift_start_s <= self.shift_end_s:
            raise ValueError(f"collector {self.id}: shift must satisfy 0 <= start <= end")
        if self.crew_size not in (1, 2):
            raise ValueError(f"collector {self.id}: crew_size must be 1 or 2")
        if self.max_duration_s is not None and self.max_duration_s < 0:
            raise ValueError(f"collector {self.id}: max_duration_s must be >= 0")

    @property
    def end_point(self) -> Point:
        """Where the route ends (the start point unless set)."""
        return self.end if self.end is not None else self.start


@dataclass(frozen=True)
class Stop:
    """A visit to make: where, how long, when allowed, how much it matters, who may go."""

    id: str
    location: Point
    service_s: int = 0
    # Allowed start-of-service intervals [earliest, latest], already net of quiet hours and
    # debtor preferences (compliance computes them); empty means "any time in the shift".
    windows: tuple[tuple[int, int], ...] = ()
    mandatory: bool = False  # appointments and promised revisits
    prize: int = 0  # worth of an optional visit, in cost units (metres by default)
    required_collectors: int = 1  # 2 for rules such as TWO_PERSON
    allowed_collector_ids: frozenset[str] | None = None  # None: anyone
    # A dispatcher's assignment: served whenever it fits the day, whatever the detour; only
    # stops neither mandatory nor assigned are weighed by their prize against travel.
    assigned: bool = False

    def __post_init__(self) -> None:
        if self.service_s < 0 or self.prize < 0:
            raise ValueError(f"stop {self.id}: service_s and prize must be >= 0")
        if self.required_collectors not in (1, 2):
            raise ValueError(f"stop {self.id}: required_collectors must be 1 or 2")
        for early, late in self.windows:
            if not 0 <= early <= late:
                raise ValueError(f"stop {self.id}: window ({early}, {late}) is not ordered")

    def can_be_served_by(self, collector: Collector) -> bool:
        """True if the collector's crew is big enough and the stop allows that collector."""
        if collector.crew_size < self.required_collectors:
            return False
        return self.allowed_collector_ids is None or collector.id in self.allowed_collector_ids


@dataclass(frozen=True)
class Problem:
    """One day's routing problem: routes to build and stops to place on them."""

    collectors: tuple[Collector, ...]
    stops: tuple[Stop, ...]
    cost_per_metre: int = 1
    cost_per_second: int = 0  # raise to also penalise time away (waiting included)

    def __post_init__(self) -> None:
        if not self.collectors:
            raise ValueError("a problem needs at least one collector")
        for kind, items in (("collector", self.collectors), ("stop", self.stops)):
            ids = [item.id for item in items]
            if len(set(ids)) != len(ids):
                raise ValueError(f"{kind} ids must be unique")


@dataclass(frozen=True)
class Budget:
    """How long the solver may search; the first limit given that is reached stops it."""

    max_iterations: int | None = None
    max_runtime_s: float | None = None
    seed: int = 0
    # Stop once this many iterations in a row found nothing better (converged); None: never.
    stall_iterations: int | None = None
    # With stall_iterations: converged after stall_per_stop x stops x (stops / 40)
    # iterations without improvement (at least MIN_STALL, at most stall_iterations);
    # 0: stall_iterations as is.
    stall_per_stop: int = 0

    def __post_init__(self) -> None:
        if self.max_iterations is None and self.max_runtime_s is None:
            raise ValueError("a budget needs max_iterations, max_runtime_s or both")
        if self.stall_iterations is not None and self.stall_iterations < 1:
            raise ValueError("stall_iterations must be >= 1")
        if self.stall_per_stop < 0:
            raise ValueError("stall_per_stop must be >= 0")

    def stall_for(self, n_stops: int) -> int | None:
        """Iterations without improvement after which a day of n_stops counts as converged.

        Quadratic, not linear, in the size (docs/decisions.md D-route-stall): on 20-stop days
        50 quiet iterations kept the plan of 100 on 10 of 10 recorded days, while 40-stop days
        lost 1.6 points of gap going from 200 to 80."""
        if self.stall_iterations is None or not self.stall_per_stop:
            return self.stall_iterations
        scaled = self.stall_per_stop * n_stops * n_stops // STALL_REFERENCE_STOPS
        return min(self.stall_iterations, max(MIN_STALL, scaled))

"""Crews for the day: collectors who share a two-person visit ride together all day."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

TOO_MANY_COLLECTORS = "more than two collectors assigned; a route carries a crew of one or two"
SPLIT_CREW = "its two collectors ride with other partners today; reassign one of them"


@dataclass(frozen=True)
class Crews:
    """Vehicles (one or two collector ids each) and which vehicle serves each visit."""

    vehicles: tuple[tuple[str, ...], ...]
    vehicle_of: dict[str, tuple[str, ...]] = field(default_factory=dict)  # visit id -> vehicle
    dropped: dict[str, str] = field(default_factory=dict)  # visit id -> reason


def form_crews(collectors: Iterable[str], assignees: Mapping[str, tuple[str, ...]]) -> Crews:
    """Pair collectors greedily by the number of two-person visits they share (ties by id);
    everyone else drives alone. A visit goes to the vehicle holding all of its assignees."""
    pairs = Counter(tuple(sorted(a)) for a in assignees.values() if len(set(a)) == 2)
    taken: set[str] = set()
    vehicles: list[tuple[str, ...]] = []
    for pair, _ in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0])):
        if not taken & set(pair):
            vehicles.append(pair)
            taken.update(pair)
    vehicles += [(c,) for c in sorted(set(collectors) - taken)]
    by_member = {m: v for v in vehicles for m in v}
    crews = Crews(tuple(vehicles))
    for visit_id, who in assignees.items():
        members = set(who)
        vehicle = by_member.get(next(iter(members))) if members else None
        if len(members) > 2:
            crews.dropped[visit_id] = TOO_MANY_COLLECTORS
        elif vehicle is None or not members <= set(vehicle):
            crews.dropped[visit_id] = SPLIT_CREW
        else:
            crews.vehicle_of[visit_id] = vehicle
    return crews

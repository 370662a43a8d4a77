import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.routing.solver import Budget, Collector, HaversineProvider, Point, Problem, Stop, solve
from server.routing.solver.plan import (
    MANDATORY_CONFLICT,
    NO_ELIGIBLE_COLLECTOR,
    NO_FEASIBLE_WINDOW,
    NOT_PROFITABLE,
)

from .days import PEOPLES_SQUARE, H, random_day

FAST = Budget(max_iterations=800, seed=0)


def _near(i, base=PEOPLES_SQUARE, step=0.0004):
    """Points a few dozen metres apart, so travel hardly matters next to prizes."""
    return Point(base.lat + step * (i % 5), base.lng + step * (i // 5))


def _assert_schedule_respects_windows_and_shift(problem, plan):
    stops = {s.id: s for s in problem.stops}
    for route in plan.routes:
        collector = next(c for c in problem.collectors if c.id == route.collector_id)
        assert collector.shift_start_s <= route.depart_s
        assert route.return_s <= collector.shift_end_s
        clock = route.depart_s
        for v in route.visits:
            stop = stops[v.stop_id]
            assert v.arrival_s == clock + v.leg_duration_s
            assert v.start_s == max(v.arrival_s, v.window[0])
            assert any(e <= v.start_s <= late for e, late in stop.windows or [(0, 86_400)])
            assert v.end_s == v.start_s + stop.service_s
            clock = v.end_s
        assert clock + route.return_leg_duration_s <= route.return_s


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 8), shift_h=st.integers(2, 10))
def test_no_visit_is_planned_outside_its_window_or_past_the_shift_end(seed, n, shift_h):
    collector, stops = random_day(seed, n)
    collector = Collector("c1", collector.start, 8 * H, (8 + shift_h) * H)
    relaxed = tuple(Stop(s.id, s.location, s.service_s, s.windows, False, s.prize) for s in stops)
    problem = Problem((collector,), relaxed)
    _assert_schedule_respects_windows_and_shift(problem, solve(problem, budget=FAST))


def test_over_full_day_drops_the_low_prize_optional_stops_and_keeps_mandatory_ones():
    collector = Collector("c1", PEOPLES_SQUARE, 9 * H, 12 * H)  # room for about 5 half hours
    stops = [Stop(f"m{i}", _near(i), 1800, mandatory=True) for i in range(2)]
    stops += [Stop(f"hi{i}", _near(i + 2), 1800, prize=100_000) for i in range(3)]
    stops += [Stop(f"lo{i}", _near(i + 5), 1800, prize=1_000) for i in range(6)]
    stops += [Stop("evening", _near(11), 600, windows=((19 * H, 20 * H),), prize=10**6)]
    stops += [Stop("pair-only", _near(12), 600, prize=10**6, required_collectors=2)]
    problem = Problem((collector,), tuple(stops))
    plan = solve(problem, budget=FAST)
    planned = {v.stop_id for r in plan.routes for v in r.visits}
    reasons = {d.stop_id: d.reason for d in plan.dropped}
    assert planned == {"m0", "m1", "hi0", "hi1", "hi2"}
    assert reasons == {
        **{f"lo{i}": NOT_PROFITABLE for i in range(6)},
        "evening": NO_FEASIBLE_WINDOW,
        "pair-only": NO_ELIGIBLE_COLLECTOR,
    }
    assert plan.complete
    _assert_schedule_respects_windows_and_shift(problem, plan)


def test_mandatory_stops_that_cannot_all_fit_are_reported_not_silently_lost():
    collector = Collector("c1", PEOPLES_SQUARE, 9 * H, 12 * H)
    # Two appointments 10 km apart, both starting at exactly 10:00.
    far = Point(PEOPLES_SQUARE.lat + 0.09, PEOPLES_SQUARE.lng)
    stops = (
        Stop("here", _near(1), 1200, windows=((10 * H, 10 * H),), mandatory=True),
        Stop("there", far, 1200, windows=((10 * H, 10 * H),), mandatory=True),
        Stop("extra", _near(2), 600, prize=5_000),
    )
    plan = solve(Problem((collector,), stops), budget=FAST)
    mandatory_dropped = [d for d in plan.dropped if d.mandatory]
    assert not plan.complete
    assert len(mandatory_dropped) == 1 and mandatory_dropped[0].reason == MANDATORY_CONFLICT
    assert len(plan.routes) == 1 and len(plan.routes[0].visits) == 2


def test_two_person_stops_appear_only_on_pair_routes():
    collectors = (
        Collector("solo-a", PEOPLES_SQUARE, 8 * H, 18 * H),
        Collector("solo-b", PEOPLES_SQUARE, 8 * H, 18 * H),
        Collector("pair", Point(31.26, 121.50), 8 * H, 18 * H, crew_size=2),
    )
    _, base = random_day(42, 15)
    stops = tuple(
        Stop(s.id, s.location, s.service_s, (), i % 3 == 0, s.prize, 2 if i % 3 == 0 else 1)
        for i, s in enumerate(base)
    )
    plan = solve(Problem(collectors, stops), budget=FAST)
    two_person = {s.id for s in stops if s.required_collectors == 2}
    on_pair = {v.stop_id for v in plan.route_of("pair").visits}
    on_solo = {v.stop_id for r in plan.routes if r.collector_id != "pair" for v in r.visits}
    assert two_person <= on_pair
    assert not two_person & on_solo
    assert plan.complete


def test_allowed_collectors_restrict_who_gets_a_stop():
    collectors = tuple(Collector(c, PEOPLES_SQUARE, 8 * H, 18 * H) for c in ("a", "b"))
    stops = tuple(
        Stop(
            f"s{i}",
            _near(i, step=0.01),
            900,
            prize=50_000,
            allowed_collector_ids=frozenset({"b"}) if i < 4 else None,
        )
        for i in range(8)
    )
    plan = solve(Problem(collectors, stops), budget=FAST)
    route_a = plan.route_of("a")
    assert not {"s0", "s1", "s2", "s3"} & {v.stop_id for v in (route_a.visits if route_a else ())}
    assert {"s0", "s1", "s2", "s3"} <= {v.stop_id for v in plan.route_of("b").visits}


def test_collectors_start_and_end_at_their_own_homes():
    west, east = Point(31.23, 121.40), Point(31.23, 121.55)
    office = Point(31.23, 121.475)
    collectors = (
        Collector("west", west, 8 * H, 18 * H, end=office),
        Collector("east", east, 8 * H, 18 * H),
    )
    stops = tuple(Stop(f"w{i}", _near(i, west), 900, mandatory=True) for i in range(4)) + tuple(
        Stop(f"e{i}", _near(i, east), 900, mandatory=True) for i in range(4)
    )
    plan = solve(Problem(collectors, stops), budget=FAST)
    assert {v.stop_id[0] for v in plan.route_of("west").visits} == {"w"}
    assert {v.stop_id[0] for v in plan.route_of("east").visits} == {"e"}
    west_route = plan.route_of("west")
    last = next(s for s in stops if s.id == west_route.visits[-1].stop_id).location
    to_office, _ = HaversineProvider().estimate(
        np.array([[last.lat, last.lng]]), np.array([[office.lat, office.lng]])
    )
    assert west_route.return_leg_distance_m == to_office[0, 0] > 5_000


def test_a_stop_with_several_windows_is_visited_once_in_one_of_them():
    collector = Collector("c1", PEOPLES_SQUARE, 8 * H, 18 * H)
    stops = (
        Stop("split", _near(1), 900, windows=((9 * H, 10 * H), (15 * H, 16 * H)), mandatory=True),
        Stop("late", _near(2), 900, windows=((15 * H, 15 * H + 900),), mandatory=True),
    )
    plan = solve(Problem((collector,), stops), budget=FAST)
    visits = [v.stop_id for r in plan.routes for v in r.visits]
    assert sorted(visits) == ["late", "split"]
    split = next(v for r in plan.routes for v in r.visits if v.stop_id == "split")
    assert split.window in ((9 * H, 10 * H), (15 * H, 16 * H))

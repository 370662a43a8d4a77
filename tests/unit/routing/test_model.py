import pytest

from server.routing.solver import Budget, Collector, Point, Problem, Stop
from server.routing.solver.search import stopping_criterion
from server.routing.solver.windows import merge

HOME = Point(31.23, 121.47)


def test_a_budget_without_any_limit_is_rejected():
    with pytest.raises(ValueError):
        Budget()


def test_each_solve_gets_a_fresh_stopping_criterion():
    budget = Budget(max_iterations=3)
    first, second = stopping_criterion(budget), stopping_criterion(budget)
    assert first is not second
    assert [first(0) for _ in range(4)] == [False, False, False, True]
    assert second(0) is False


@pytest.mark.parametrize(
    "make",
    [
        lambda: Collector("c", HOME, 10, 5),
        lambda: Collector("c", HOME, 0, 5, crew_size=3),
        lambda: Stop("s", HOME, windows=((10, 5),)),
        lambda: Stop("s", HOME, required_collectors=3),
        lambda: Problem((), ()),
        lambda: Problem((Collector("c", HOME, 0, 5),), (Stop("s", HOME), Stop("s", HOME))),
    ],
)
def test_inconsistent_inputs_are_rejected(make):
    with pytest.raises(ValueError):
        make()


def test_overlapping_windows_merge_and_no_windows_means_the_whole_day():
    assert merge(((14, 16), (9, 12), (11, 13))) == [(9, 13), (14, 16)]
    assert merge(()) == [(0, 86_400)]


def test_a_pair_serves_two_person_stops_and_a_single_collector_does_not():
    stop = Stop("s", HOME, required_collectors=2)
    assert stop.can_be_served_by(Collector("p", HOME, 0, 5, crew_size=2))
    assert not stop.can_be_served_by(Collector("c", HOME, 0, 5))

"""The auto-assign planner on its own (no database): pairing, balance, priority order."""

from __future__ import annotations

from server.dispatch.planner import NO_CAPACITY, Crew, Job, pair_up, plan


def job(vid, lat=31.2, lng=121.4, need=1, amount=1000.0, rank=0):
    return Job(vid, f"case-{vid}", lat, lng, need, amount, (rank, vid))


def test_pairs_are_the_closest_bases_and_do_not_depend_on_input_order():
    crew = [Crew("a", 31.2, 121.40, 5), Crew("b", 31.3, 121.60, 5),
            Crew("c", 31.2, 121.41, 5), Crew("d", 31.3, 121.61, 5)]

    assert sorted(pair_up(crew)) == [("a", "c"), ("b", "d")]
    assert sorted(pair_up(list(reversed(crew)))) == [("a", "c"), ("b", "d")]


def test_balance_by_count_spreads_equal_visits_over_equal_collectors():
    crew = [Crew("a", 31.2, 121.40, 10), Crew("b", 31.2, 121.401, 10)]

    result = plan([job(str(i)) for i in range(6)], crew, "count")

    assert sorted(sum((p.collector_ids for p in result.placed), ())) == ["a"] * 3 + ["b"] * 3


def test_balance_by_amount_gives_the_big_case_and_the_small_ones_to_different_people():
    crew = [Crew("a", 31.2, 121.40, 10), Crew("b", 31.2, 121.40, 10)]
    jobs = [job("big", amount=9000.0, rank=0)] + [job(f"s{i}", amount=1000.0, rank=1)
                                                  for i in range(3)]

    result = plan(jobs, crew, "amount")

    owner = {p.visit_id: p.collector_ids[0] for p in result.placed}
    assert {owner["s0"], owner["s1"], owner["s2"]} == {"b"} and owner["big"] == "a"


def test_higher_priority_visits_get_the_last_capacity():
    crew = [Crew("a", 31.2, 121.40, 1)]

    result = plan([job("low", rank=5), job("high", rank=1)], crew)

    assert [p.visit_id for p in result.placed] == ["high"]
    assert [(x.visit_id, x.reason) for x in result.left] == [("low", NO_CAPACITY)]

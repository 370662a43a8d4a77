"""The day's choice and the hold-out arm."""

from server.selection.model.policy import HOLDOUT, MODEL, Candidate, arm_of, choose


def test_the_arm_is_stable_per_case_and_near_the_share():
    ids = [f"case-{i}" for i in range(20_000)]
    arms = [arm_of(c, 0.10, seed=19) for c in ids]
    assert arms == [arm_of(c, 0.10, seed=19) for c in ids]
    assert abs(arms.count(HOLDOUT) / len(ids) - 0.10) < 0.01
    assert [arm_of(c, 0.10, seed=20) for c in ids] != arms


def _c(case_id, arm=MODEL, ev=None, priority=0, dpd=0, override=None):
    return Candidate(case_id, arm, ev, priority, dpd, override)


def test_the_model_arm_takes_the_highest_positive_values_and_leaves_negative_ones():
    cands = [_c("a", ev=50.0), _c("b", ev=300.0), _c("c", ev=-20.0), _c("d", ev=10.0)]
    assert choose(cands, capacity=2) == ["b", "a"]
    assert choose(cands, capacity=10) == ["b", "a", "d"]


def test_the_holdout_gets_its_share_of_capacity_by_todays_rule():
    cands = [_c(f"m{i}", ev=100.0 + i) for i in range(8)]
    cands += [_c("h1", HOLDOUT, priority=1, dpd=10), _c("h2", HOLDOUT, priority=3, dpd=5)]
    chosen = choose(cands, capacity=5)
    assert chosen[0] == "h2"  # 5 x 2/10 = 1 hold-out visit, by priority
    assert chosen[1:] == ["m7", "m6", "m5", "m4"]


def test_overrides_win_and_an_excluded_case_is_never_chosen():
    cands = [_c("a", ev=500.0, override="exclude"), _c("b", ev=-50.0, override="include"),
             _c("c", ev=40.0)]
    assert choose(cands, capacity=2) == ["b", "c"]


def test_without_a_model_every_case_is_handled_by_the_rule():
    cands = [_c("x", priority=0, dpd=90), _c("y", priority=2, dpd=1), _c("z", priority=0,
                                                                           dpd=120)]
    assert choose(cands, capacity=2) == ["y", "z"]

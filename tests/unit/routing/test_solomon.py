import pytest

from server.routing.solver import Budget
from server.routing.solver.benchmarks import data_dir, load, solomon_class, solve_instance

# One instance per class; 5,000 iterations is ~3 s each on one core and lands within 2 %.
INSTANCES = ("C101", "C201", "R101", "R201", "RC101", "RC201")
BUDGET = Budget(max_iterations=5_000, seed=0)

pytestmark = pytest.mark.skipif(
    not (data_dir() / "solomon").is_dir(),
    reason="shared routing data not found; set DOORSTEP_SHARED_DATA",
)


@pytest.mark.parametrize("name", INSTANCES)
def test_solomon_instance_is_solved_within_two_percent_of_best_known(name):
    outcome = solve_instance(load(name), BUDGET)
    assert outcome.feasible
    assert -1e-9 <= outcome.gap_pct <= 2.0, f"{name}: {outcome.cost} vs BKS {outcome.bks}"


def test_instance_names_map_to_their_solomon_class():
    assert [solomon_class(n) for n in ("C101", "C208", "R112", "RC201")] == [
        "C1",
        "C2",
        "R1",
        "RC2",
    ]


def test_shared_data_location_can_be_overridden(monkeypatch, tmp_path):
    monkeypatch.setenv("DOORSTEP_SHARED_DATA", str(tmp_path))
    assert data_dir() == tmp_path / "routing"

import pytest

from server.addresses.geo.verification import (
    FAR,
    INCONCLUSIVE,
    VERIFIED,
    Fix,
    allowed_distance_m,
    assess_check_in,
    distance_m,
    propose_correction,
)

HOME = (31.2000, 121.4500)
M_LAT = 1 / 111_000  # about one metre of latitude, in degrees


def north(metres, origin=HOME):
    return origin[0] + metres * M_LAT, origin[1]


def test_a_check_in_at_the_door_verifies():
    result = assess_check_in(*HOME, 50, *north(80), 10)
    assert result.verdict == VERIFIED
    assert result.distance_m == pytest.approx(80, abs=1)
    assert result.allowed_m == 160


def test_a_check_in_down_the_road_is_far():
    assert assess_check_in(*HOME, 50, *north(400), 10).verdict == FAR


def test_both_accuracies_widen_the_radius_up_to_a_cap():
    assert assess_check_in(*HOME, 50, *north(190), 10).verdict == FAR
    assert assess_check_in(*HOME, 100, *north(190), 10).verdict == VERIFIED
    assert allowed_distance_m(3000, 20) == 500  # a district centre cannot verify a door


def test_a_vague_gps_fix_is_inconclusive_even_when_close():
    assert assess_check_in(*HOME, 50, *north(10), 800).verdict == INCONCLUSIVE


def test_distance_is_geodesic():
    assert distance_m(31.0, 121.0, 32.0, 121.0) == pytest.approx(110_900, rel=0.005)


def elsewhere(n, spread_m=20, visit_ids=None, accuracy=15):
    spot = north(900)
    ids = visit_ids or list(range(n))
    return [Fix(*north((i % 3) * spread_m / 2, spot), accuracy, ids[i]) for i in range(n)]


def test_consistent_check_ins_elsewhere_propose_a_correction():
    correction = propose_correction(elsewhere(4))
    assert correction is not None
    assert distance_m(correction.lat, correction.lng, *north(900)) < 25
    assert correction.support == 4 and correction.visits == 4
    assert 5 <= correction.accuracy_m <= 50


def test_too_few_check_ins_propose_nothing():
    assert propose_correction(elsewhere(2)) is None


def test_two_collectors_on_one_visit_count_as_one_visit():
    assert propose_correction(elsewhere(3, visit_ids=["v1", "v1", "v1"])) is None
    assert propose_correction(elsewhere(3, visit_ids=["v1", "v1", "v2"])) is not None


def test_scattered_check_ins_propose_nothing():
    scattered = [Fix(*north(900 + 400 * i), 15, i) for i in range(5)]
    assert propose_correction(scattered) is None


def test_check_ins_split_between_two_places_propose_nothing():
    work = [Fix(*north(3000 + i * 5), 15, f"w{i}") for i in range(3)]
    assert propose_correction(elsewhere(3) + work) is None
    assert propose_correction(elsewhere(5) + work[:1]) is not None


def test_vague_fixes_are_left_out_of_the_cluster():
    vague = [Fix(*north(900), 1000, i) for i in range(5)]
    assert propose_correction(vague) is None

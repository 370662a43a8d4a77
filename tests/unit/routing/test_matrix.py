import math

import numpy as np
import pytest

from server.routing.solver import HaversineProvider, haversine_m
from server.routing.solver.matrix import EARTH_RADIUS_M

PEOPLES_SQUARE = (31.2304, 121.4737)
ORIENTAL_PEARL_TOWER = (31.2397, 121.4998)  # Lujiazui


def test_one_degree_of_longitude_on_the_equator_is_a_360th_of_the_circumference():
    d = haversine_m(np.array([[0.0, 0.0]]), np.array([[0.0, 1.0]]))
    assert d[0, 0] == pytest.approx(2 * math.pi * EARTH_RADIUS_M / 360, rel=1e-9)


def test_pole_to_pole_is_half_the_circumference():
    d = haversine_m(np.array([[90.0, 0.0]]), np.array([[-90.0, 0.0]]))
    assert d[0, 0] == pytest.approx(math.pi * EARTH_RADIUS_M, rel=1e-9)


def test_nashville_to_los_angeles_matches_the_textbook_example():
    # Classic worked example: 2887.26 km with R = 6372.8 km; rescale to our radius.
    d = haversine_m(np.array([[36.12, -86.67]]), np.array([[33.94, -118.40]]))
    assert d[0, 0] / 1000 == pytest.approx(2887.2599506 * EARTH_RADIUS_M / 6_372_800, rel=1e-6)


def test_peoples_square_to_lujiazui_is_about_two_point_seven_km():
    d = haversine_m(np.array([PEOPLES_SQUARE]), np.array([ORIENTAL_PEARL_TOWER]))
    assert 2_600 < d[0, 0] < 2_800


def test_provider_applies_detour_and_speed_and_rounds_to_integers():
    dist, dur = HaversineProvider(detour_factor=1.3, speed_kmh=25).matrices(
        np.array([PEOPLES_SQUARE, ORIENTAL_PEARL_TOWER])
    )
    straight = haversine_m(np.array([PEOPLES_SQUARE]), np.array([ORIENTAL_PEARL_TOWER]))[0, 0]
    assert dist.dtype == np.int64 and dur.dtype == np.int64
    assert dist[0, 1] == round(straight * 1.3)
    assert dur[0, 1] == round(straight * 1.3 / (25 / 3.6))


def test_matrices_are_square_symmetric_with_zero_diagonal():
    rng = np.random.default_rng(7)
    points = np.column_stack([rng.uniform(31.0, 31.4, 200), rng.uniform(121.2, 121.7, 200)])
    dist, dur = HaversineProvider().matrices(points)
    assert dist.shape == dur.shape == (200, 200)
    assert (dist == dist.T).all() and (np.diag(dist) == 0).all()
    assert (dist[~np.eye(200, dtype=bool)] > 0).all() and (dur >= 0).all()


def test_rectangular_distances_have_origins_by_destinations_shape():
    assert haversine_m(np.zeros((3, 2)), np.ones((5, 2))).shape == (3, 5)


@pytest.mark.parametrize(
    "points", [np.zeros((3,)), np.zeros((3, 3)), np.array([[91.0, 0.0]]), np.array([[np.nan, 0]])]
)
def test_bad_points_are_rejected(points):
    with pytest.raises(ValueError):
        haversine_m(points)

"""WGS-84 points shifted onto GCJ-02 tiles: the published offsets inside China, none outside."""

from __future__ import annotations

import math

import pytest

from server.addresses.geo.gcj02 import wgs84_to_gcj02


def _metres(a, b) -> float:
    d_lat = math.radians(b[0] - a[0])
    d_lng = math.radians(b[1] - a[1]) * math.cos(math.radians(a[0]))
    return 6371000 * math.hypot(d_lat, d_lng)


def test_tiananmen_moves_to_where_chinese_tiles_draw_it():
    lat, lng = wgs84_to_gcj02(39.908700, 116.397500)

    assert lat == pytest.approx(39.910103, abs=2e-5)
    assert lng == pytest.approx(116.403744, abs=2e-5)


@pytest.mark.parametrize("point", [(31.2304, 121.4737), (23.1291, 113.2644), (43.8256, 87.6168)])
def test_points_in_mainland_china_move_by_a_few_hundred_metres(point):
    assert 100 < _metres(point, wgs84_to_gcj02(*point)) < 800


@pytest.mark.parametrize("point", [(51.5072, -0.1276), (35.6762, 139.6503), (-33.8688, 151.2093)])
def test_points_outside_china_are_unchanged(point):
    assert wgs84_to_gcj02(*point) == point

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.addresses.geo.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    haversine_m,
    in_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# Published test vectors (eviltransform): WGS-84 -> GCJ-02.
WGS_GCJ = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]
# Published vectors (wandergis/coordtransform README) at (39.915, 116.404).
BD_TO_GCJ = ((39.915, 116.404), (39.90865673957631, 116.39762729119315))
GCJ_TO_BD = ((39.915, 116.404), (39.92133699351021, 116.41036949371029))

# Well inside the "China" rectangles: within a shift's width of their edges a point and its
# shifted image can fall on different sides, and no transform can be inverted there.
mainland = st.tuples(st.floats(23.0, 42.5), st.floats(100.0, 119.5))  # west of Taiwan


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_wgs84_to_gcj02_matches_published_vectors(wgs, gcj):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_gcj02_to_wgs84_inverts_published_vectors_to_the_centimetre(wgs, gcj):
    assert haversine_m(*gcj02_to_wgs84(*gcj), *wgs) < 0.01


def test_bd09_conversions_match_published_vectors():
    assert bd09_to_gcj02(*BD_TO_GCJ[0]) == pytest.approx(BD_TO_GCJ[1], abs=1e-9)
    assert gcj02_to_bd09(*GCJ_TO_BD[0]) == pytest.approx(GCJ_TO_BD[1], abs=1e-9)


def test_the_shift_is_hundreds_of_metres_in_china():
    # If the transforms were identity functions the round trips below would pass trivially.
    assert 100 < haversine_m(31.23, 121.47, *wgs84_to_gcj02(31.23, 121.47)) < 1000
    assert 500 < haversine_m(31.23, 121.47, *wgs84_to_bd09(31.23, 121.47)) < 1500


@given(mainland)
def test_gcj02_round_trip_is_within_half_a_metre(point):
    assert haversine_m(*gcj02_to_wgs84(*wgs84_to_gcj02(*point)), *point) < 0.5


@given(mainland)
def test_bd09_round_trip_is_within_half_a_metre(point):
    assert haversine_m(*bd09_to_wgs84(*wgs84_to_bd09(*point)), *point) < 0.5


@pytest.mark.parametrize(
    ("place", "lat", "lng"),
    [
        ("London", 51.5074, -0.1278),
        ("New Delhi", 28.6139, 77.2090),
        ("Mumbai", 19.0760, 72.8777),
        ("Seoul", 37.5665, 126.9780),
        ("Tokyo", 35.6762, 139.6503),
        ("Taipei", 25.0330, 121.5654),
        ("Hanoi", 21.0278, 105.8342),
    ],
)
def test_outside_china_nothing_is_shifted(place, lat, lng):
    assert not in_china(lat, lng), place
    assert wgs84_to_gcj02(lat, lng) == (lat, lng)
    assert gcj02_to_wgs84(lat, lng) == (lat, lng)
    assert bd09_to_wgs84(lat, lng) == (lat, lng)


@pytest.mark.parametrize(
    ("lat", "lng"), [(43.8256, 87.6168), (39.4704, 75.9898), (45.8038, 126.5350), (20.04, 110.32)]
)
def test_far_corners_of_china_count_as_china(lat, lng):
    assert in_china(lat, lng)


def test_to_wgs84_dispatches_by_name_and_rejects_unknown_systems():
    gcj = WGS_GCJ[0][1]
    assert to_wgs84(*gcj, "GCJ-02") == gcj02_to_wgs84(*gcj)
    assert to_wgs84(*gcj, "bd09") == bd09_to_wgs84(*gcj)
    assert to_wgs84(*gcj, "wgs84") == gcj
    with pytest.raises(ValueError, match="unknown coordinate system"):
        to_wgs84(*gcj, "cgcs2000x")

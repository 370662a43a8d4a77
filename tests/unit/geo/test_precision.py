import pytest

from server.addresses.geo.precision import precision_from_raw


@pytest.mark.parametrize(
    ("provider", "raw", "expected"),
    [
        ("nominatim", {"addresstype": "place", "type": "house", "place_rank": 30}, "rooftop"),
        ("nominatim", {"class": "building", "type": "yes", "place_rank": 30}, "building"),
        ("nominatim", {"addresstype": "road", "place_rank": 26}, "street"),
        ("nominatim", {"place_rank": 27}, "street"),
        ("nominatim", {"place_rank": 18}, "district"),
        ("nominatim", {"place_rank": 14}, "city"),
        ("nominatim", {"place_rank": 8}, "province"),
        ("nominatim", {}, "street"),
        ("photon", {"properties": {"housenumber": "1", "type": "house"}}, "rooftop"),
        ("photon", {"properties": {"type": "city"}}, "city"),
        ("baiduv3", {"level": "地产小区", "precise": 1}, "building"),
        ("baidu", {"level": "区县", "precise": 0}, "district"),
        ("baidu", {"level": "UNKNOWN", "precise": 0}, "street"),
        (
            "googlev3",
            {"types": ["street_address"], "geometry": {"location_type": "ROOFTOP"}},
            "rooftop",
        ),
        ("googlev3", {"types": ["locality", "political"]}, "city"),
        ("arcgis", {"attributes": {"Addr_type": "PointAddress"}}, "rooftop"),
        ("yandex", {"whatever": 1}, "street"),
        ("nominatim", ["not", "a", "dict"], "street"),
    ],
)
def test_provider_answers_map_to_our_levels(provider, raw, expected):
    assert precision_from_raw(provider, raw) == expected

import time

import pytest

from server.addresses.geo.cache import LRUCache
from server.addresses.geo.coords import haversine_m, wgs84_to_bd09
from server.addresses.geo.geocoders import ProviderRejected, ProviderUnavailable
from server.addresses.geo.providers import GeopyGeocoder

PEOPLES_SQUARE = (31.2312, 121.4733)  # WGS-84


def nominatim_place(lat=31.2312, lng=121.4733, addresstype="building", place_rank=30):
    return {
        "place_id": 1,
        "lat": str(lat),
        "lon": str(lng),
        "display_name": "人民广场, 黄浦区, 上海市, 中国",
        "class": "building",
        "type": "yes",
        "addresstype": addresstype,
        "place_rank": place_rank,
    }


def baidu_ok(lat, lng, level="门址", precise=1):
    bd_lat, bd_lng = wgs84_to_bd09(lat, lng)
    body = {
        "status": 0,
        "result": {
            "location": {"lng": bd_lng, "lat": bd_lat},
            "precise": precise,
            "confidence": 80,
            "comprehension": 100,
            "level": level,
        },
    }
    return lambda params: (200, body)


@pytest.fixture
def make():
    made = []

    def build(provider, server, **options):
        options = {"scheme": "http", "min_delay_s": 0.0, "max_retries": 0, **options}
        geocoder = GeopyGeocoder(provider, domain=server.domain, proxies={}, **options)
        made.append(geocoder)
        return geocoder

    yield build
    for geocoder in made:
        geocoder.close()


def test_nominatim_on_a_self_hosted_server(standin, make):
    server = standin({"/search": lambda p: (200, [nominatim_place()])})
    result = make("nominatim", server).geocode("上海市黄浦区人民大道200号")
    assert (result.lat, result.lng) == pytest.approx(PEOPLES_SQUARE)
    assert result.precision == "building"
    assert result.accuracy_m == 50
    assert result.source == "geopy:nominatim"
    assert result.label.startswith("人民广场")
    assert server.hits[0].params["q"] == "上海市黄浦区人民大道200号"


def test_nominatim_place_types_map_to_our_precision_levels(standin, make):
    answers = {
        "a": nominatim_place(addresstype="road", place_rank=26),
        "b": nominatim_place(addresstype="suburb", place_rank=19),
        "c": nominatim_place(addresstype="city", place_rank=16),
    }
    server = standin({"/search": lambda p: (200, [answers[p["q"]]])})
    geocoder = make("nominatim", server)
    assert [geocoder.geocode(q).precision for q in "abc"] == ["street", "district", "city"]


def test_baidu_answers_in_bd09_and_comes_back_as_wgs84(standin, make):
    server = standin({"/geocoding/v3/": baidu_ok(*PEOPLES_SQUARE)})
    result = make("baiduv3", server, api_key="test-ak").geocode("上海市人民大道200号")
    assert haversine_m(result.lat, result.lng, *PEOPLES_SQUARE) < 0.5
    assert result.precision == "rooftop"
    assert server.hits[0].params["ak"] == "test-ak"


def test_baidu_interpolated_door_numbers_are_street_precision(standin, make):
    server = standin({"/geocoding/v3/": baidu_ok(*PEOPLES_SQUARE, precise=0)})
    assert make("baiduv3", server, api_key="k").geocode("x").precision == "street"


def test_a_configured_coordinate_system_overrides_the_provider_default(standin, make):
    server = standin({"/search": lambda p: (200, [nominatim_place(*PEOPLES_SQUARE)])})
    result = make("nominatim", server, coord_system="gcj02").geocode("x")
    assert 300 < haversine_m(result.lat, result.lng, *PEOPLES_SQUARE) < 800


def test_photon_on_a_self_hosted_server(standin, make):
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [121.4733, 31.2312]},
        "properties": {"name": "人民广场", "type": "street", "country": "中国"},
    }
    server = standin(
        {"/api": lambda p: (200, {"type": "FeatureCollection", "features": [feature]})}
    )
    result = make("photon", server).geocode("人民广场")
    assert (result.lat, result.lng) == pytest.approx(PEOPLES_SQUARE)
    assert result.precision == "street"


def test_the_second_request_for_the_same_address_is_served_from_the_cache(standin, make):
    server = standin({"/search": lambda p: (200, [nominatim_place()])})
    geocoder = make("nominatim", server)
    first = geocoder.geocode("上海市 黄浦区 人民大道200号", city_hint="上海")
    second = geocoder.geocode("上海市黄浦区人民大道２００号", city_hint="上海")
    assert first == second
    assert len(server.hits) == 1


def test_no_such_place_is_cached_too(standin, make):
    server = standin({"/search": lambda p: (200, [])})
    geocoder = make("nominatim", server)
    assert geocoder.geocode("nowhere") is None
    assert geocoder.geocode("nowhere") is None
    assert len(server.hits) == 1


def test_a_shared_cache_keeps_providers_apart(standin, make):
    cache = LRUCache()
    nominatim = standin({"/search": lambda p: (200, [nominatim_place()])})
    baidu = standin({"/geocoding/v3/": baidu_ok(*PEOPLES_SQUARE)})
    make("nominatim", nominatim, cache=cache).geocode("x")
    make("baiduv3", baidu, api_key="k", cache=cache).geocode("x")
    assert len(baidu.hits) == 1
    assert len(cache) == 2


def test_the_rate_limiter_spaces_requests(standin, make):
    server = standin({"/search": lambda p: (200, [nominatim_place()])})
    geocoder = make("nominatim", server, min_delay_s=0.3)
    for address in ("a", "b", "c"):
        geocoder.geocode(address)
    gaps = [b.at - a.at for a, b in zip(server.hits, server.hits[1:], strict=False)]
    assert len(gaps) == 2
    assert all(gap >= 0.28 for gap in gaps)


def test_a_timeout_becomes_provider_unavailable(standin, make):
    server = standin({"/search": lambda p: (200, [nominatim_place()])}, delay_s=1.0)
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="unavailable"):
        make("nominatim", server, timeout_s=0.2).geocode("x")
    assert time.monotonic() - started < 0.9


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (503, {"error": "busy"}, ProviderUnavailable),
        (500, {"error": "boom"}, ProviderUnavailable),
        (429, {"error": "slow down"}, ProviderUnavailable),
        (403, {"error": "forbidden"}, ProviderRejected),
        (200, b"<html>not json", ProviderUnavailable),
    ],
)
def test_provider_errors_become_clean_exceptions(standin, make, status, body, error):
    server = standin({"/search": lambda p: (status, body)})
    with pytest.raises(error):
        make("nominatim", server).geocode("x")


def test_baidu_refusing_the_key_is_a_rejection(standin, make):
    server = standin({"/geocoding/v3/": lambda p: (200, {"status": 200, "message": "APP不存在"})})
    with pytest.raises(ProviderRejected):
        make("baiduv3", server, api_key="bad").geocode("x")


def test_errors_are_not_cached_and_a_retry_recovers(standin, make):
    answers = iter([(503, {"error": "busy"}), (200, [nominatim_place()])])
    server = standin({"/search": lambda p: next(answers)})
    result = make("nominatim", server, max_retries=1, error_wait_s=0.01).geocode("x")
    assert result is not None
    assert len(server.hits) == 2


def test_unknown_providers_and_missing_keys_are_rejected_at_construction():
    with pytest.raises(ProviderRejected, match="unknown geocoder"):
        GeopyGeocoder("mapquestzzz")
    with pytest.raises(ProviderRejected, match="needs an API key"):
        GeopyGeocoder("baidu")
    with pytest.raises(ProviderRejected, match="coordinate system"):
        GeopyGeocoder("nominatim", coord_system="utm")

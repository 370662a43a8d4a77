import pytest

from server.addresses.geo.factory import build_geocoder
from server.addresses.geo.gazetteer import SAMPLE_GAZETTEER_PATH
from server.addresses.geo.geocoders import (
    ChainGeocoder,
    Geocoder,
    GeocodeResult,
    ProviderRejected,
    ProviderUnavailable,
    finer,
)
from server.addresses.geo.offline import OfflineGeocoder
from server.addresses.geo.providers import GeopyGeocoder
from tests.unit.geo.test_providers import nominatim_place


class Fixed:
    """A geocoder that always gives the same answer (or raises it)."""

    def __init__(self, name, answer):
        self.name, self.answer, self.calls = name, answer, 0

    def geocode(self, address_text, city_hint=None):
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def point(precision, source="t"):
    return GeocodeResult(31.2, 121.4, precision, 100.0, source)


def test_the_chain_stops_at_the_first_good_enough_answer():
    first, second = Fixed("a", point("building")), Fixed("b", point("rooftop"))
    assert ChainGeocoder([first, second]).geocode("x").precision == "building"
    assert second.calls == 0


def test_the_chain_keeps_the_finest_answer_when_none_is_good_enough():
    chain = ChainGeocoder(
        [Fixed("a", point("city")), Fixed("b", point("district")), Fixed("c", None)]
    )
    assert chain.geocode("x").precision == "district"


def test_a_failing_provider_falls_back_to_the_next():
    chain = ChainGeocoder([Fixed("a", ProviderUnavailable("down")), Fixed("b", point("district"))])
    assert chain.geocode("x").precision == "district"


def test_an_outage_with_no_fallback_answer_is_raised_not_reported_as_no_such_place():
    chain = ChainGeocoder([Fixed("a", ProviderUnavailable("down")), Fixed("b", None)])
    with pytest.raises(ProviderUnavailable):
        chain.geocode("x")


def test_finer_prefers_precision_and_ignores_none():
    assert finer(None, point("city")).precision == "city"
    assert finer(point("city"), point("street")).precision == "street"
    assert finer(point("city", "a"), point("city", "b")).source == "a"


def test_results_refuse_nonsense():
    with pytest.raises(ValueError, match="precision"):
        GeocodeResult(31.2, 121.4, "galaxy", 10.0, "t")
    with pytest.raises(ValueError, match="out of range"):
        GeocodeResult(121.4, 31.2, "city", 10.0, "t")
    with pytest.raises(ValueError, match="positive"):
        GeocodeResult(31.2, 121.4, "city", 0.0, "t")


def test_offline_is_the_default_and_loads_the_gazetteer():
    geocoder = build_geocoder({"GEOCODER": "", "GAZETTEER_PATH": str(SAMPLE_GAZETTEER_PATH)})
    assert isinstance(geocoder, OfflineGeocoder)
    assert geocoder.geocode("上海市浦东新区东方明珠").source == "gazetteer"
    assert isinstance(build_geocoder({}), OfflineGeocoder)


def test_a_provider_is_chained_between_gazetteer_and_region_centres(standin, no_system_proxy):
    server = standin({"/search": lambda p: (200, [nominatim_place(addresstype="road")])})
    settings = {
        "GEOCODER": "nominatim",
        "GEOCODER_DOMAIN": server.domain,
        "GEOCODER_SCHEME": "http",
        "GEOCODER_API_KEY": "",
        "GEOCODER_MIN_DELAY_S": 0,
        "GEOCODER_MAX_RETRIES": 0,
        "GAZETTEER_PATH": str(SAMPLE_GAZETTEER_PATH),
    }
    chain = build_geocoder(settings)
    assert [g.name for g in chain.geocoders] == ["gazetteer", "geopy:nominatim", "offline"]
    assert isinstance(chain.geocoders[1], GeopyGeocoder)
    assert chain.geocode("上海市浦东新区东方明珠").source == "gazetteer"
    assert server.hits == []
    assert chain.geocode("上海市黄浦区人民大道200号").source == "geopy:nominatim"
    server.routes["/search"] = lambda p: (503, {"error": "down"})
    assert chain.geocode("上海市徐汇区漕溪北路88号").source == "offline"
    chain.geocoders[1].close()


def test_bad_settings_are_rejected_clearly():
    with pytest.raises(ProviderRejected, match="unknown geocoder"):
        build_geocoder({"GEOCODER": "carrier-pigeon"})
    with pytest.raises(ProviderRejected, match="bad geocoder setting"):
        build_geocoder({"GEOCODER": "nominatim", "GEOCODER_MIN_DELAY_S": "soon"})


def test_every_geocoder_satisfies_the_interface():
    for geocoder in (OfflineGeocoder(), ChainGeocoder([OfflineGeocoder()])):
        assert isinstance(geocoder, Geocoder)
    assert isinstance(GeopyGeocoder("photon", proxies={}), Geocoder)

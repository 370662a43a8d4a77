from server.addresses.geo.cache import LRUCache, cache_key
from server.addresses.geo.geocoders import GeocodeResult

RESULT = GeocodeResult(31.2, 121.4, "district", 3000.0, "offline")


def test_keys_ignore_width_case_spacing_and_punctuation():
    assert cache_key("上海市 徐汇区，漕溪北路８８号") == cache_key("上海市徐汇区漕溪北路88号")
    assert cache_key("Main St 1", "London") == cache_key("main st, 1", " london")
    assert cache_key("x", "北京") != cache_key("x", "长春")
    assert cache_key("x", namespace="a") != cache_key("x", namespace="b")


def test_the_least_recently_used_entry_is_evicted():
    cache = LRUCache(maxsize=2)
    cache.set("a", RESULT)
    cache.set("b", None)
    assert cache.get("a").result == RESULT  # a is now the most recent
    cache.set("c", RESULT)
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None


def test_a_cached_miss_is_distinct_from_no_entry():
    cache = LRUCache()
    cache.set("nowhere", None)
    assert cache.get("nowhere").result is None
    assert cache.get("never-asked") is None


def test_entries_expire_after_their_time_to_live():
    now = [0.0]
    cache = LRUCache(ttl_s=60, clock=lambda: now[0])
    cache.set("a", RESULT)
    now[0] = 59
    assert cache.get("a") is not None
    now[0] = 61
    assert cache.get("a") is None
    assert len(cache) == 0

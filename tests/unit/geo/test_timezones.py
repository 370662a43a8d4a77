import subprocess
import sys

import pytest

from server.addresses.geo.timezones import (
    country_for_timezone,
    jurisdiction_for,
    parse_overrides,
    raw_timezone_at,
    timezone_for,
)

URUMQI = (43.8256, 87.6168)
KASHGAR = (39.4704, 75.9898)


def test_all_of_china_keeps_beijing_time_by_default():
    assert raw_timezone_at(*URUMQI) == "Asia/Urumqi"  # what the tz polygons say
    assert timezone_for(*URUMQI) == "Asia/Shanghai"
    assert timezone_for(*KASHGAR) == "Asia/Shanghai"
    assert timezone_for(31.23, 121.47) == "Asia/Shanghai"


def test_without_the_override_the_local_zone_is_returned():
    assert timezone_for(*URUMQI, jurisdiction_overrides={}) == "Asia/Urumqi"


def test_hong_kong_and_other_countries_are_not_touched_by_the_cn_override():
    assert timezone_for(22.3193, 114.1694) == "Asia/Hong_Kong"
    assert timezone_for(51.5074, -0.1278) == "Europe/London"
    assert timezone_for(28.6139, 77.2090) == "Asia/Kolkata"


def test_overrides_are_per_jurisdiction():
    denver = (39.7392, -104.9903)
    assert timezone_for(*denver) == "America/Denver"
    assert timezone_for(*denver, {"US": "America/New_York"}) == "America/New_York"
    assert jurisdiction_for(*denver) == "US"
    assert country_for_timezone("Asia/Urumqi") == "CN"
    assert country_for_timezone("Etc/GMT+2") is None


def test_the_open_sea_has_a_nautical_zone():
    assert timezone_for(0.0, -30.0).startswith("Etc/")


def test_out_of_range_coordinates_are_refused():
    with pytest.raises(ValueError, match="out of range"):
        timezone_for(121.47, 31.23)


def test_the_override_setting_is_parsed_and_validated():
    assert parse_overrides("CN=Asia/Shanghai, in=Asia/Kolkata") == {
        "CN": "Asia/Shanghai",
        "IN": "Asia/Kolkata",
    }
    assert parse_overrides("") == {}
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_overrides("CN=Asia/Beijing")
    with pytest.raises(ValueError, match="expected CC=Area/City"):
        parse_overrides("China")


def test_importing_the_geo_package_loads_nothing_heavy():
    code = (
        "import sys\n"
        "import server.addresses.geo.address_states, server.addresses.geo.factory\n"
        "import server.addresses.geo.timezones\n"
        "import server.addresses.geo.verification, server.addresses.geo.parsing\n"
        "import server.addresses.geo.regions as r\n"
        "assert 'timezonefinder' not in sys.modules, 'timezonefinder imported'\n"
        "assert r.region_table.cache_info().currsize == 0, 'regions loaded'\n"
        "for banned in ('flask', 'sqlalchemy', 'server.models', 'pandas', 'cpca'):\n"
        "    assert banned not in sys.modules, banned\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr

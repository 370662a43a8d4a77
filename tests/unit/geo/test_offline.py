import pytest

from server.addresses.geo.coords import gcj02_to_wgs84, haversine_m, wgs84_to_bd09, wgs84_to_gcj02
from server.addresses.geo.gazetteer import SAMPLE_GAZETTEER_PATH, Gazetteer, GazetteerError
from server.addresses.geo.offline import OfflineGeocoder
from server.addresses.geo.regions import region_table

HEADER = "name,aliases,city,district,lat,lng,coord_system,precision,accuracy_m,note\n"


@pytest.fixture(scope="module")
def sample():
    return Gazetteer.load(SAMPLE_GAZETTEER_PATH)


def test_a_district_geocodes_to_its_centre_converted_from_gcj02_to_wgs84():
    result = OfflineGeocoder().geocode("上海市徐汇区漕溪北路88号")
    xuhui = region_table().get("310104")
    assert (result.lat, result.lng) == pytest.approx(gcj02_to_wgs84(xuhui.lat_gcj, xuhui.lng_gcj))
    # cpca's figure is GCJ-02: the WGS-84 point we return must differ from it by the shift.
    assert 300 < haversine_m(result.lat, result.lng, xuhui.lat_gcj, xuhui.lng_gcj) < 800
    assert result.precision == "district"
    assert result.source == "offline"
    assert result.label == "上海市徐汇区"


def test_accuracy_grows_with_the_size_of_the_region():
    geocoder = OfflineGeocoder()
    city_district = geocoder.geocode("上海市黄浦区")
    remote_county = geocoder.geocode("新疆喀什地区莎车县")
    shanghai = geocoder.geocode("上海市南京东路")
    assert 3_000 <= city_district.accuracy_m < 10_000
    assert remote_county.accuracy_m > 15_000
    assert shanghai.precision == "city"
    assert 15_000 <= shanghai.accuracy_m <= 200_000
    province = geocoder.geocode("广东省")
    assert province.precision == "province" and province.accuracy_m > shanghai.accuracy_m


def test_an_ambiguous_district_is_not_guessed():
    assert OfflineGeocoder().geocode("朝阳区建国路88号") is None
    assert OfflineGeocoder().geocode("朝阳区建国路88号", "北京").label == "北京市朝阳区"


def test_nothing_recognisable_gives_none():
    assert OfflineGeocoder().geocode("somewhere over the rainbow") is None


def test_a_district_without_a_centre_falls_back_to_its_city():
    result = OfflineGeocoder().geocode("江苏省淮安市清江浦区")  # cpca lists no centre for it
    assert result.precision == "city"
    assert result.label == "江苏省淮安市"


def test_a_gazetteer_match_wins_with_building_precision(sample):
    result = OfflineGeocoder(sample).geocode("上海市浦东新区世纪大道1号 东方明珠")
    assert result.source == "gazetteer"
    assert result.precision == "building"
    assert result.label == "东方明珠广播电视塔"
    assert result.accuracy_m <= 100


def test_a_gazetteer_entry_in_another_city_does_not_match(sample):
    result = OfflineGeocoder(sample).geocode("北京市朝阳区东方明珠小区", "北京")
    assert result.source == "offline"


def test_gazetteer_coordinates_are_converted_to_wgs84(tmp_path):
    wgs = (31.2000, 121.4500)
    gcj, bd = wgs84_to_gcj02(*wgs), wgs84_to_bd09(*wgs)
    path = tmp_path / "g.csv"
    path.write_text(
        HEADER
        + f"甲小区,,上海,徐汇区,{gcj[0]},{gcj[1]},gcj02,building,,\n"
        + f"乙大厦,乙|乙座,上海,,{bd[0]},{bd[1]},bd09,rooftop,20,\n",
        encoding="utf-8",
    )
    gazetteer = Gazetteer.load(path)
    for text in ("上海市徐汇区甲小区3号楼", "上海乙座"):
        result = OfflineGeocoder(gazetteer, use_regions=False).geocode(text)
        assert haversine_m(result.lat, result.lng, *wgs) < 0.5
    assert OfflineGeocoder(gazetteer).geocode("上海乙座").accuracy_m == 20
    assert OfflineGeocoder(gazetteer).geocode("上海甲小区").accuracy_m == 50  # the default


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("甲,,上海,,31.2,121.4,wgs84,,,", "missing precision"),
        ("甲,,上海,,31.2,121.4,utm,building,,", "unknown coordinate system"),
        ("甲,,上海,,north,121.4,wgs84,building,,", "line 2"),
        ("甲,,上海,,31.2,121.4,wgs84,district,,", "street or finer"),
    ],
)
def test_a_malformed_gazetteer_is_refused_naming_the_line(tmp_path, row, message):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match=message):
        Gazetteer.load(path)


def test_a_gazetteer_without_required_columns_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,lat,lng\n甲,31,121\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match="missing columns"):
        Gazetteer.load(path)


def test_the_sample_gazetteer_is_marked_as_sample_and_lies_in_shanghai(sample):
    assert len(sample) >= 8
    for entry in sample.entries:
        assert entry.note.startswith("SAMPLE")
        assert haversine_m(entry.lat, entry.lng, 31.23, 121.47) < 30_000

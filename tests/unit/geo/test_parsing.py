import pytest

from server.addresses.geo.parsing import normalise_text, parse_address


def test_full_address_resolves_to_the_district_with_full_confidence():
    parsed = parse_address("上海市黄浦区南京东路100号")
    assert (parsed.province, parsed.city, parsed.district) == ("上海市", "上海市", "黄浦区")
    assert parsed.adcode == "310101"
    assert parsed.level == "district"
    assert parsed.street == "南京东路100号"
    assert parsed.confidence == 1.0
    assert not parsed.is_ambiguous


def test_chaoyang_alone_is_ambiguous_between_beijing_and_changchun():
    parsed = parse_address("朝阳区建国路88号")
    assert parsed.is_ambiguous
    assert {c.adcode for c in parsed.ambiguities} == {"110105", "220104"}
    assert {c.name for c in parsed.ambiguities} == {"北京市朝阳区", "吉林省长春市朝阳区"}
    assert parsed.district is None and parsed.adcode is None
    assert parsed.confidence < 0.5
    assert parsed.detail == "建国路88号"


@pytest.mark.parametrize(
    ("text", "hint", "adcode"),
    [
        ("北京市朝阳区建国路88号", None, "110105"),
        ("长春市朝阳区人民大街1号", None, "220104"),
        ("吉林省长春市朝阳区人民大街1号", None, "220104"),
        ("朝阳区建国路88号", "长春", "220104"),
        ("朝阳区建国路88号", "北京市", "110105"),
        ("朝阳区建国路88号", "110000", "110105"),
        ("鼓楼区中山北路1号", "南京", "320106"),
        ("福州市鼓楼区五四路1号", None, "350102"),
    ],
)
def test_the_city_in_the_text_or_the_hint_settles_same_named_districts(text, hint, adcode):
    parsed = parse_address(text, city_hint=hint)
    assert parsed.adcode == adcode
    assert not parsed.is_ambiguous


def test_a_province_alone_does_not_settle_two_gulou_districts_in_jiangsu():
    parsed = parse_address("江苏省鼓楼区中山路1号")
    assert {c.adcode for c in parsed.ambiguities} == {"320106", "320302"}  # Nanjing, Xuzhou
    assert parsed.province == "江苏省"
    assert parsed.level == "province"


def test_the_text_wins_over_a_contradicting_hint_and_says_so():
    parsed = parse_address("长春市朝阳区", city_hint="北京")
    assert parsed.adcode == "220104"
    assert any("disagrees" in note for note in parsed.notes)


def test_streets_named_after_cities_are_streets():
    assert parse_address("上海市黄浦区北京东路100号").adcode == "310101"
    parsed = parse_address("上海南京东路100号")
    assert parsed.city == "上海市" and parsed.level == "city"
    assert parsed.street == "南京东路100号"
    assert parse_address("南京东路100号").adcode is None


def test_short_district_names_need_a_parent_to_count():
    assert parse_address("外滩东方明珠").adcode is None  # not 海南省东方市
    assert parse_address("海南省东方市八所镇").adcode == "469007"
    assert parse_address("江苏昆山前进路1号").district == "昆山市"


def test_repeated_and_filler_names_from_exported_tables_are_skipped():
    parsed = parse_address("北京市北京市市辖区海淀区中关村大街1号")
    assert parsed.adcode == "110108"
    assert parsed.street == "中关村大街1号"


def test_full_width_characters_and_spaces_are_normalised():
    parsed = parse_address("上海市 徐汇区 漕溪北路　８８号")
    assert parsed.adcode == "310104"
    assert parsed.street == "漕溪北路88号"
    assert normalise_text("ＡＢ　１２") == "AB12"


def test_a_hint_locates_text_that_names_no_region_with_low_confidence():
    parsed = parse_address("人民路88号", city_hint="上海")
    assert parsed.city == "上海市"
    assert parsed.confidence <= 0.3
    assert parse_address("人民路88号").adcode is None


def test_short_province_names_and_autonomous_regions_are_understood():
    assert parse_address("广西南宁市青秀区民族大道100号").adcode == "450103"
    assert parse_address("内蒙古呼和浩特市新城区").province == "内蒙古自治区"


def test_an_unusable_hint_is_noted_and_ignored():
    parsed = parse_address("朝阳区", city_hint="Atlantis")
    assert parsed.is_ambiguous
    assert any("Atlantis" in note for note in parsed.notes)


def test_a_district_named_alone_is_inferred_up_to_its_province():
    parsed = parse_address("浦东新区张江路88号")
    assert (parsed.province, parsed.city, parsed.district) == ("上海市", "上海市", "浦东新区")
    assert parsed.confidence == 0.9

"""Cell parsers: what lenders' exports contain, and the messages for what is wrong."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from server.imports import values as v
from tests.unit.imports.support import cn_id


@pytest.mark.parametrize(("raw", "expected"), [
    ("1234.5", Decimal("1234.50")), ("1,234.56", Decimal("1234.56")),
    ("¥1234", Decimal("1234.00")), ("1234元", Decimal("1234.00")),
    (1234.567, Decimal("1234.57")), ("0", Decimal("0.00")),
])
def test_money_accepts_what_excel_and_lenders_write(raw, expected):
    assert v.money(raw) == expected


@pytest.mark.parametrize(("raw", "message"), [
    ("abc", "is not a number"), ("-1", "must not be negative"), ("NaN", "is not a number"),
    ("1e13", "larger than"), (True, "not a number"),
])
def test_money_rejects_what_is_not_an_amount(raw, message):
    with pytest.raises(ValueError, match=message):
        v.money(raw)


@pytest.mark.parametrize("raw", ["2026-03-05", "2026/3/5", "2026.03.05", "20260305",
                                 "2026年3月5日", "2026-03-05 00:00:00"])
def test_day_reads_the_usual_chinese_date_spellings(raw):
    assert v.day(raw) == date(2026, 3, 5)


@pytest.mark.parametrize(("raw", "message"), [
    ("2026-13-01", "not a real date"), ("05/03/2026", "not a date"), ("1800-01-01", "range"),
])
def test_day_rejects_impossible_or_ambiguous_dates(raw, message):
    with pytest.raises(ValueError, match=message):
        v.day(raw)


def test_flag_reads_chinese_and_english_yes_and_no():
    assert [v.flag(x) for x in ("是", "否", "Y", "0", "true", True)] == [
        True, False, True, False, True, True]
    with pytest.raises(ValueError, match="not yes/no"):
        v.flag("maybe")


@pytest.mark.parametrize(("raw", "expected"), [
    ("138 0013 8000", "13800138000"), ("+86 138-0013-8000", "13800138000"),
    ("8613800138000", "13800138000"), ("021-12345678", "02112345678"),
    ("+1 415 555 0100", "+14155550100"),
])
def test_phone_numbers_are_normalised_to_digits(raw, expected):
    assert v.phone(raw) == expected


def test_a_phone_excel_turned_into_a_number_is_explained():
    with pytest.raises(ValueError, match="format the column as text"):
        v.phone("1.38001E+10")


def test_several_phones_split_on_semicolons_without_repeats():
    assert v.phones("13800138000; 13900139000；13800138000") == ["13800138000", "13900139000"]


def test_a_resident_id_must_carry_its_check_digit():
    good = cn_id()
    assert v.national_id(good.lower(), "CN") == good
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValueError, match="check digit"):
        v.national_id(wrong, "CN")
    assert v.national_id("123-45-6789", "US") == "123-45-6789"


def test_birth_date_and_gender_come_from_the_resident_id():
    assert v.facts_from_cn_id(cn_id("19851231", "124")) == (date(1985, 12, 31), "female")


@pytest.mark.parametrize(("dpd", "bucket"), [
    (0, "M0"), (1, "M1"), (30, "M1"), (31, "M2"), (60, "M2"), (150, "M5"), (151, "M6+"),
    (900, "M6+"),
])
def test_buckets_are_thirty_day_bands_up_to_m6_plus(dpd, bucket):
    assert v.bucket_for(dpd) == bucket


def test_relationships_come_in_chinese_or_english():
    assert [v.relationship(x) for x in ("配偶", "担保人", "母亲", "同事", "Employer")] == [
        "spouse", "guarantor", "family", "reference", "employer"]
    with pytest.raises(ValueError, match="not a known relationship"):
        v.relationship("邻居")


def test_currency_aliases_mean_cny():
    assert v.currency("人民币") == v.currency("rmb") == "CNY"
    with pytest.raises(ValueError, match="currency code"):
        v.currency("yuan")

"""Headers: canonical names, Chinese aliases, and whole-file rejection of an unusable header."""

from __future__ import annotations

import pytest

from server.imports.columns import FileRejected, canonical, read_header


def test_chinese_headers_are_aliases_of_the_canonical_columns():
    assert [canonical(h) for h in ("客户姓名", "身份证号", "手机号", "地址", "联系人2电话")] == [
        "name", "national_id", "phones", "home_address", "contact2_phone"]


def test_headers_match_without_case_spaces_bom_or_unit_suffix():
    assert canonical("\ufeff Case ID ") == "case_id"
    assert canonical("本金(元)") == canonical("本金（元）") == "principal"


def test_unknown_headers_are_ignored_and_listed():
    header = read_header(["案件编号", "账户编号", "客户编号", "姓名", "本金", "欠款金额", "备注"])
    assert header.positions["outstanding"] == 5
    assert header.ignored == ("备注",)


def test_a_header_without_required_columns_rejects_the_file_naming_them():
    with pytest.raises(FileRejected) as caught:
        read_header(["case_id", "name", "phones"])
    assert caught.value.errors["missing_columns"] == [
        "account_id", "debtor_id", "principal", "outstanding"]
    assert "account_id" in caught.value.message


def test_a_column_given_twice_under_two_names_rejects_the_file():
    with pytest.raises(FileRejected) as caught:
        read_header(["case_id", "account_id", "debtor_id", "name", "姓名", "principal",
                     "outstanding"])
    assert caught.value.errors["repeated_columns"] == ["姓名 (name)"]

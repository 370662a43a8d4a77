"""The fast path for plain rows answers exactly what validate_row answers, or leaves it the row."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from server.imports.fastrows import plain_row, validate_rows
from server.imports.readers import RawRow
from server.imports.rows import validate_row
from tests.unit.imports.support import cn_id, row

AS_OF = date(2026, 11, 29)

# Per column: spellings a lender's file has, plain ones and odd ones (blank, spaces, other
# formats, wrong values), so that both paths and the hand-over between them are exercised.
CELLS = {
    "case_id": ["C1", " C1 ", "", "   ", "C" * 65, "C 1"],
    "account_id": ["A1", "A\t1", "", "A" * 64],
    "debtor_id": ["D1", "", "D  1 "],
    "name": ["张三", " 张  三 ", "", "x" * 121, "Zhang San"],
    "national_id": [cn_id(), cn_id("19851231", "222"), cn_id().lower()[:-1] + "x", "", "123",
                    cn_id()[:-1] + ("0" if cn_id()[-1] != "0" else "1"), "110101900307123",
                    " " + cn_id()],
    "gender": ["", "男", "女", "M", "f", "unknown", "未知", "其他"],
    "birth_date": ["", "1990-03-07", "1990/3/7", "2030-01-01", "19900307", "1899-12-31"],
    "principal": ["10000", "10000.5", "10000.55", "1,000", "¥100", "100元", "-5", "abc", "",
                  "1e3", "0.555", "9999999999999", "０"],
    "outstanding": ["8000.50", "8000", "", "100", "9000.00", " 8000 "],
    "overdue_amount": ["", "500", "8000.51", "0", "x"],
    "due_since": ["2026-10-01", "", "2026-02-30", "2026年10月1日", "20261001", "2026-1-5",
                  "2026-10-01 08:00"],
    "dpd": ["", "45", "45.0", "-1", "99999", "x"],
    "bucket": ["", "M3", "m3", "M6+", "X1"],
    "product": ["", "loan", " card ", "p" * 33],
    "currency": ["", "CNY", "人民币", "usd", "US"],
    "home_address": ["", "上海市黄浦区人民大道1号", "  上海市  黄浦区 ", "a" * 501],
    "work_address": ["", "浦东新区1号"],
    "phones": ["13800000001", "13800000001;13900000002", "13800000001;13800000001", "",
               "+86 138 0000 0001", "1.38E+10", "12", "13800000001；13900000002",
               "010-12345678", ";"],
    "email": ["", "a@b.cn", "A@B.CN; c@d.cn", "nope"],
    "jurisdiction": ["", "CN", "cn", "US-MA", "CN-31", "C"],
    "vulnerable": ["", "是", "否", "yes", "Y", "maybe"],
    "agency_code": ["", "AGX", " AGX "],
    "contact1_name": ["", "李四", " 李 四", "张三"],
    "contact1_relationship": ["", "配偶", "担保人", "Spouse", "guarantor", "邻居"],
    "contact1_phone": ["", "13900139000", "13900139000;13900139001", "bad"],
    "contact1_id": ["", "P9", "D1"],
    "contact1_debt_related": ["", "是", "0", "??"],
    "contact2_name": ["", "王五", "李四"],
    "contact2_phone": ["", "13700000007"],
}

# Mostly the first (plain) spelling: most generated rows are then valid but for a cell or two.
rows_of_cells = st.fixed_dictionaries(
    {column: st.sampled_from([values[0]] * 12 + values) for column, values in CELLS.items()})


@settings(max_examples=3000, deadline=None)
@given(rows_of_cells)
def test_a_row_taken_by_the_fast_path_is_the_row_validate_row_makes(values):
    fast = plain_row(RawRow(2, values), "CN", AS_OF)
    if fast is not None:
        assert fast == validate_row(RawRow(2, dict(values)), "CN", AS_OF)


@settings(max_examples=300, deadline=None)
@given(st.lists(rows_of_cells, min_size=1, max_size=8))
def test_validate_rows_answers_what_validate_row_answers_row_by_row(rows):
    raws = [RawRow(n, values) for n, values in enumerate(rows, start=2)]
    again = [RawRow(n, dict(values)) for n, values in enumerate(rows, start=2)]
    assert validate_rows(raws, "CN", AS_OF) == [validate_row(raw, "CN", AS_OF) for raw in again]


def test_other_spellings_go_through_the_same_parsers_and_bad_rows_to_validate_row():
    plain = row(1, contact1_name="李四", contact1_relationship="配偶",
                contact1_phone="13900139000", work_address="浦东新区1号")
    for other in ({}, {"principal": "1,000"}, {"phones": "+86 138 0000 0001"}, {"dpd": "45"},
                  {"national_id": ""}, {"gender": "M"}):
        values = {**plain, **other}
        fast = plain_row(RawRow(2, values), "CN", AS_OF)
        assert fast is not None and fast == validate_row(RawRow(2, values), "CN", AS_OF)
    for bad in ({"principal": "abc"}, {"name": ""}, {"contact1_id": "D1"},
                {"overdue_amount": "9000"}):
        values = {**plain, **bad}
        assert plain_row(RawRow(2, values), "CN", AS_OF) is None
        errors = validate_rows([RawRow(2, values)], "CN", AS_OF)[0]
        assert errors == validate_row(RawRow(2, values), "CN", AS_OF) and set(errors) <= {
            "principal", "name", "contact1_id", "overdue_amount"}


def test_json_values_and_reader_errors_are_left_to_validate_row():
    assert plain_row(RawRow(2, {**row(1), "principal": 10000}), "CN", AS_OF) is None
    assert plain_row(RawRow(2, {**row(1), "phones": ["13800000001"]}), "CN", AS_OF) is None
    broken = RawRow(2, row(1), {"row": ["has 12 cells but the header has 11"]})
    assert plain_row(broken, "CN", AS_OF) is None
    assert validate_rows([broken], "CN", AS_OF) == [{"row": ["has 12 cells but the header has 11"]}]

"""Row validation: every problem of a row is reported at once, per column."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from server.imports.readers import CsvRows, JsonRows, RawRow
from server.imports.rows import ImportRow, derived_party_id, validate_row
from tests.unit.imports.support import cn_id, csv_text, row

AS_OF = date(2026, 11, 29)


def _validate(values: dict, line: int = 2):
    return validate_row(RawRow(line, values), "CN", AS_OF)


def test_a_valid_row_becomes_an_account_of_a_case_of_a_debtor():
    result = _validate(row(1, due_since="2026-10-01"))
    assert isinstance(result, ImportRow)
    assert (result.case_id, result.account_id, result.debtor_id) == ("C1", "A1", "D1")
    assert result.account["outstanding"] == Decimal("8000.50")
    assert (result.account["dpd"], result.account["bucket"]) == (59, "M2")
    assert result.debtor["birth_date"] == date(1990, 3, 7)
    assert result.addresses == [("home", "上海市黄浦区人民大道1号")]


def test_dpd_given_without_a_date_sets_due_since_and_the_bucket():
    result = _validate(row(1, due_since="", dpd="45"))
    assert result.account["due_since"] == date(2026, 10, 15)
    assert result.account["bucket"] == "M2"


def test_a_bucket_the_lender_gives_is_kept():
    assert _validate(row(1, bucket="m3")).account["bucket"] == "M3"


def test_every_bad_cell_of_a_row_is_reported_under_its_column():
    errors = _validate(row(1, principal="abc", due_since="2026-02-30", national_id="123",
                           phones="12", case_id=""))
    assert set(errors) == {"principal", "due_since", "national_id", "phones", "case_id"}
    assert errors["case_id"] == ["Missing data for required field."]
    assert errors["principal"] == ["'abc' is not a number"]


def test_overdue_above_outstanding_is_refused():
    errors = _validate(row(1, outstanding="100", overdue_amount="200"))
    assert errors == {"overdue_amount": ["must not exceed outstanding"]}


def test_related_parties_without_an_id_get_one_from_debtor_and_name():
    result = _validate(row(1, contact1_name="李四", contact1_relationship="担保人",
                           contact1_phone="13900139000;13900139001"))
    contact = result.contacts[0]
    assert contact.external_id == derived_party_id("D1", "李四")
    assert (contact.relationship, contact.debt_related) == ("guarantor", True)
    assert contact.phones == ["13900139000", "13900139001"]


def test_a_related_party_needs_a_name_and_a_known_relationship():
    errors = _validate(row(1, contact2_phone="13900139000", contact2_relationship="邻居"))
    assert errors["contact2_name"] == ["Missing data for required field."]
    assert "not a known relationship" in errors["contact2_relationship"][0]


def test_csv_rows_carry_the_line_they_start_on_counting_the_header_as_one():
    text = csv_text([row(1), row(2, home_address="上海市\n黄浦区"), row(3)])
    lines = [raw.line for raw in CsvRows(io.StringIO(text, newline=""))]
    assert lines == [2, 3, 5]


def test_a_csv_row_with_more_cells_than_the_header_is_flagged():
    text = csv_text([row(1)]).rstrip("\r\n") + ",surplus\r\n"
    (raw,) = CsvRows(io.StringIO(text, newline=""))
    assert "header has" in raw.errors["row"][0]


def test_json_rows_take_lists_of_phones_and_related_parties():
    text = ('{"rows": [{"case_id": "C1", "account_id": "A1", "debtor_id": "D1", "客户姓名": "张三",'
            '"principal": 100, "outstanding": 50.5, "phones": ["13800138000", "13900139000"],'
            '"national_id": "' + cn_id() + '", "extra": 1,'
            '"related_parties": [{"name": "李四", "relationship": "spouse",'
            '"phones": ["13700137000"]}]}, 7]}')
    reader = JsonRows(io.StringIO(text))
    first, second = list(reader)
    result = validate_row(first, "CN", AS_OF)
    assert result.phones == ["13800138000", "13900139000"]
    assert result.contacts[0].phones == ["13700137000"]
    assert result.account["outstanding"] == Decimal("50.50")
    assert second.errors == {"row": ["must be an object"]}
    assert reader.ignored == ("extra",)


def test_a_json_scalar_column_refuses_a_nested_value():
    assert _validate(row(1, name={"first": "三"}))["name"] == ["must be a single value"]

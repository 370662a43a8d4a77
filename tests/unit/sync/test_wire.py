"""Wire encoding and pure row checks, without a database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.errors import InvalidInput, TooLarge
from server.sync.tables import SYNC_TABLES
from server.sync.validate import Checked, Rejection, check_row, check_shape
from server.sync.wire import (
    BadValue,
    canonical_json,
    decode_value,
    digest,
    encode_value,
    from_ms,
    mask_contact,
    mask_national_id,
    to_ms,
)

PROMISES = SYNC_TABLES["payment_promises"]


def test_datetimes_travel_as_epoch_milliseconds_both_ways():
    moment = datetime(2026, 11, 29, 8, 30, 15, 123000, tzinfo=UTC)
    assert to_ms(moment) == 1795941015123 and from_ms(to_ms(moment)) == moment
    assert encode_value(moment) < 2**53


def test_values_are_json_safe():
    assert encode_value(Decimal("12.50")) == "12.50"
    assert encode_value(date(2030, 1, 15)) == "2030-01-15"
    assert encode_value({"b": 1, "a": [1]}) == '{"a":[1],"b":1}'


def test_masks_keep_first_three_and_last_four():
    assert mask_national_id("310101199001011234") == "310101***********4"
    assert mask_national_id("310101900101123") == "310101*********"
    assert mask_national_id("P12345678") == "P12**5678"
    assert mask_national_id("12345") == "*****"
    assert mask_contact("13900002222") == "*******2222"


@pytest.mark.parametrize(("column", "raw"), [
    ("amount", "abc"), ("amount", True), ("due_on", "15/01/2030"), ("recorded_at", "yesterday"),
    ("recorded_at", -5), ("currency", "EURO"), ("amount", float("nan")),
])
def test_bad_values_are_refused(column, raw):
    with pytest.raises(BadValue):
        decode_value(PROMISES.table.c[column], raw)


def test_decimals_are_quantised_so_replays_digest_alike():
    a = decode_value(PROMISES.table.c["amount"], 500)
    b = decode_value(PROMISES.table.c["amount"], "500.00")
    assert a == b == Decimal("500.00")


def _row(**kw):
    return {"id": "pp-1", "case_id": "c", "account_id": "a", "amount": "500",
            "due_on": "2030-01-15", "recorded_at": 1795941015123, **kw}


def test_digest_ignores_server_columns_and_defaults():
    one = check_row(PROMISES, "created", _row())
    two = check_row(PROMISES, "created", _row(currency="CNY", status="kept", user_id="x"))
    assert isinstance(one, Checked) and isinstance(two, Checked)
    columns = PROMISES.content_columns
    assert digest(one.values, columns) == digest(two.values, columns)
    assert digest(one.values, columns) != digest({**one.values, "amount": Decimal("1")}, columns)


def test_bad_ids_and_missing_required_columns_are_rejections():
    assert check_row(PROMISES, "created", _row(id="a b")).reason == "bad_id"
    missing = check_row(PROMISES, "created", {"id": "pp-2"})
    assert isinstance(missing, Rejection) and missing.reason == "bad_value"
    assert set(missing.errors) >= {"case_id", "amount", "due_on", "recorded_at"}


def test_shape_errors_name_the_culprit():
    with pytest.raises(InvalidInput, match="selfies"):
        check_shape({"selfies": {"created": []}})
    with pytest.raises(InvalidInput, match="mood"):
        check_shape({"check_ins": {"created": [{"id": "x", "mood": 1}]}})
    assert check_shape({"check_ins": {"created": [{"id": "x", "_status": "created"}]}}) == 1
    with pytest.raises(TooLarge):
        check_shape({"visit_notes": {"created": [{"id": str(i)} for i in range(5001)]}})


_SCALARS = (st.none() | st.booleans() | st.integers() | st.text()
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.sampled_from([0.0, -0.0, 1e-4, 1e-5, 9999999999999998.0, 1e16, 2**63, 2**64]))


@given(st.dictionaries(st.text(), _SCALARS | st.lists(_SCALARS, max_size=3), max_size=6))
def test_a_digest_is_made_of_the_bytes_stored_digests_were_made_of(content):
    """orjson writes the digest's canonical JSON only where its bytes are json.dumps' own: a
    different byte would make every replayed fact look changed (a conflict, not a replay)."""
    expected = json.dumps(content, sort_keys=True, ensure_ascii=False,
                          separators=(",", ":")).encode()
    assert canonical_json(content) == expected

"""The phone's offer checks say what the REST schema says about the same offer (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server.api.offer_schemas import OfferCreateSchema
from server.payments.offer_values import offer_errors, schedule_lines

LINE = {"due_on": "2026-12-05", "amount": "100.00"}
SCHEDULES = [
    [LINE], [LINE, {**LINE, "due_on": "2027-01-05"}], [{**LINE, "amount": "12.345"}],
    [{**LINE, "amount": 10.5}], [{**LINE, "amount": 7}], [{**LINE, "amount": "1e3"}],
    [], [LINE] * 61, {"due_on": "2026-12-05", "amount": "1"}, "x", None, [None], [[]],
    [{**LINE, "amount": "-5"}], [{**LINE, "amount": "0"}], [{**LINE, "amount": "0.001"}],
    [{**LINE, "amount": "abc"}], [{**LINE, "amount": True}], [{**LINE, "amount": "NaN"}],
    [{**LINE, "amount": "Infinity"}], [{**LINE, "amount": None}], [{**LINE, "amount": []}],
    [{**LINE, "due_on": "2026-13-45"}], [{**LINE, "due_on": "20261205"}],
    [{**LINE, "due_on": "2026-12-05T00:00"}], [{**LINE, "due_on": 20261205}],
    [{**LINE, "due_on": None}], [{"due_on": "2026-12-05"}], [{**LINE, "extra": 1}],
]


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_the_phone_refuses_a_schedule_exactly_when_the_api_does(schedule):
    api = OfferCreateSchema().validate({"kind": "settlement", "schedule": schedule})
    _, phone = schedule_lines(schedule)
    assert bool(phone) == ("schedule" in api), (phone, api)


def test_the_lines_are_read_at_two_places_as_the_api_reads_them():
    schedule = [{**LINE, "amount": "12.345"}, {"due_on": "2027-01-05", "amount": 10.5}]
    api = OfferCreateSchema().load({"kind": "instalments", "schedule": schedule})["schedule"]
    phone, _ = schedule_lines(schedule)
    assert phone == api
    assert [line["amount"] for line in phone] == [Decimal("12.34"), Decimal("10.50")]


@pytest.mark.parametrize(("values", "field"), [
    ({"amount": Decimal("99.00")}, "amount"),
    ({"amount": Decimal("0.00")}, "amount"),
    ({"note": ""}, "note"),
    ({"schedule": []}, "schedule"),
])
def test_a_row_names_what_is_wrong(values, field):
    row = {"kind": "settlement", "amount": Decimal("100.00"), "schedule": [LINE], "note": None,
           **values}
    assert field in offer_errors(row)


def test_a_good_row_has_no_errors():
    assert offer_errors({"kind": "settlement", "amount": Decimal("100.00"), "schedule": [LINE],
                         "note": "ok"}) == {}

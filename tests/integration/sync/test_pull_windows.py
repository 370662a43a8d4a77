"""Pulled visits carry their day's legal contact windows in the debtor's local time."""

from __future__ import annotations

import json
from datetime import datetime, time
from zoneinfo import ZoneInfo

from server.extensions import db
from server.models import Address, Case, Party, Visit
from tests.integration.sync.conftest import pull


def _local_ms(day, hh, mm, tz):
    return int(datetime.combine(day, time(hh, mm), ZoneInfo(tz)).timestamp() * 1000)


def test_a_shanghai_visit_carries_cn_hours_8_to_22_local(app, client, world):
    visit_id = world.visits["ann"][0]
    with app.app_context():
        day = db.session.get(Visit, visit_id).scheduled_on
    body = pull(client, world.tokens["ann"])
    row = next(r for r in body["changes"]["visits"]["updated"] if r["id"] == visit_id)
    assert json.loads(row["allowed_windows"]) == [
        [_local_ms(day, 8, 0, "Asia/Shanghai"), _local_ms(day, 22, 0, "Asia/Shanghai")]]


def test_the_debtors_stated_preference_narrows_the_window(app, client, world):
    visit_id = world.visits["ann"][0]
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        day = visit.scheduled_on
        debtor = db.session.get(Party, db.session.get(Address, visit.address_id).party_id)
        debtor.preferred_windows = [{"from": "18:00", "to": "20:00"}]
        db.session.commit()
    body = pull(client, world.tokens["ann"])
    row = next(r for r in body["changes"]["visits"]["updated"] if r["id"] == visit_id)
    assert json.loads(row["allowed_windows"]) == [
        [_local_ms(day, 18, 0, "Asia/Shanghai"), _local_ms(day, 20, 0, "Asia/Shanghai")]]


def test_a_new_york_debtor_gets_fdcpa_hours_in_new_york_time(app, client, world):
    visit_id = world.visits["bob"][0]
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        day = visit.scheduled_on
        visit_case = visit.case_id
        db.session.get(Address, visit.address_id).time_zone = "America/New_York"
        db.session.get(Case, visit_case).jurisdiction = "US"
        db.session.commit()
    body = pull(client, world.tokens["bob"])
    row = next(r for r in body["changes"]["visits"]["updated"] if r["id"] == visit_id)
    assert json.loads(row["allowed_windows"]) == [
        [_local_ms(day, 8, 0, "America/New_York"), _local_ms(day, 21, 0, "America/New_York")]]


def test_windows_from_the_answers_rows_equal_windows_read_from_the_database(
        app, client, world, monkeypatch):
    """A first sync judges each visit from the case, address and debtor rows it sends; an
    incremental pull that sends the visit alone reads them: the same windows either way."""
    from server.compliance import visit_windows

    visit_id = world.visits["bob"][0]
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        day = visit.scheduled_on
        address = db.session.get(Address, visit.address_id)
        address.time_zone = "America/New_York"
        db.session.get(Case, visit.case_id).jurisdiction = "US"
        db.session.get(Party, address.party_id).preferred_windows = [
            {"from": "19:00", "to": "23:00"}]
        db.session.commit()
    from_answer = []
    real = visit_windows._inputs_in_answer
    monkeypatch.setattr(visit_windows, "_inputs_in_answer", lambda changes, visits: (
        from_answer.append(set(found := real(changes, visits))) or found))

    def window(body):
        return next(r["allowed_windows"] for r in body["changes"]["visits"]["updated"]
                    if r["id"] == visit_id)
    first = pull(client, world.tokens["bob"])
    with app.app_context():
        touched = db.session.get(Visit, visit_id)
        touched.priority = (touched.priority or 0) + 1
        db.session.commit()
    again = pull(client, world.tokens["bob"], last=first["timestamp"])
    assert visit_id in from_answer[0] and visit_id not in from_answer[1]
    assert "parties" not in again["changes"] or not again["changes"]["parties"]["updated"]
    expected = [[_local_ms(day, 19, 0, "America/New_York"),
                 _local_ms(day, 21, 0, "America/New_York")]]  # FDCPA ends at 21:00
    assert json.loads(window(first)) == json.loads(window(again)) == expected

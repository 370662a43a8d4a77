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

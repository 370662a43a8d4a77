"""The device converges: no-op updates come back, moved work leaves, closed rows stop."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from server.extensions import db
from server.models import QuarantinedRecord, VisitAssignee, utcnow
from tests.integration.sync import facts
from tests.integration.sync.conftest import ids, pull, push


def test_an_update_that_changes_nothing_comes_back_in_the_next_pull(app, client, world):
    first = pull(client, world.tokens["ann"])
    point = first["changes"]["contact_points"]["updated"][0]
    echo = {**point, "updated_at": facts.now_ms(), "_status": "updated", "_changed": "valid"}
    body = push(client, world.tokens["ann"], {"contact_points": {"updated": [echo]}},
                last=first["timestamp"])
    assert body["experimentalRejectedIds"] == {}
    after = pull(client, world.tokens["ann"], last=first["timestamp"])
    assert point["id"] in ids(after, "contact_points")


def test_facts_pushed_after_their_visit_moved_leave_the_old_phone(app, client, world):
    visit = world.visits["ann"][0]
    first = pull(client, world.tokens["ann"])
    note = facts.note(visit, recorded_at=facts.now_ms() - 60_000)  # written before the move
    with app.app_context():
        row = db.session.scalar(select(VisitAssignee).where(VisitAssignee.visit_id == visit))
        row.ended_at = utcnow()
        db.session.add(VisitAssignee(visit_id=visit, user_id=world.collectors["bob"]))
        db.session.commit()
    moved = pull(client, world.tokens["ann"], last=first["timestamp"])
    assert visit in moved["changes"]["visits"]["deleted"]
    body = push(client, world.tokens["ann"], {"visit_notes": {"created": [note]}})
    assert body["experimentalRejectedIds"] == {}  # done before the move: kept
    after = pull(client, world.tokens["ann"], last=moved["timestamp"])
    assert note["id"] in after["changes"]["visit_notes"]["deleted"]
    bobs = pull(client, world.tokens["bob"])
    assert note["id"] in ids(bobs, "visit_notes")


def test_a_dismissed_row_pushed_again_is_done_not_a_new_record(app, client, world):
    bad = facts.check_in(world.visits["ann"][0], lat=391)
    first = pull(client, world.tokens["ann"])
    assert push(client, world.tokens["ann"], {"check_ins": {"created": [bad]}})[
        "experimentalRejectedIds"] == {"check_ins": [bad["id"]]}
    with app.app_context():
        record = db.session.scalar(select(QuarantinedRecord))
        record.status, record.resolved_at = "dismissed", utcnow() - timedelta(seconds=1)
        db.session.commit()
    for _ in range(3):  # WatermelonDB re-sends it on every sync until told otherwise
        body = push(client, world.tokens["ann"], {"check_ins": {"created": [bad]}})
        assert body["experimentalRejectedIds"] == {}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuarantinedRecord)) == 1
    after = pull(client, world.tokens["ann"], last=first["timestamp"])
    assert bad["id"] in after["changes"]["check_ins"]["deleted"]
    assert bad["id"] not in pull(client, world.tokens["bob"])["changes"]["check_ins"]["deleted"]

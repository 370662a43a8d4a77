"""Pull: the collector's scope, masked; increments; tombstones when work leaves the device."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.compliance.engine.seeds import seeded_profile
from server.extensions import db
from server.models import Address, Case, Party, RuleProfile, User, Visit, VisitAssignee, utcnow
from tests.integration.sync.conftest import ids, pull
from tests.support import factories


def test_first_pull_returns_exactly_the_collectors_scope(app, client, world):
    body = pull(client, world.tokens["ann"])
    assert ids(body, "visits") == set(world.visits["ann"])
    assert ids(body, "cases") == {world.cases[v] for v in world.visits["ann"]}
    assert len(ids(body, "parties")) == 6  # debtor, guarantor, reference per case
    assert len(ids(body, "accounts")) == 2 and len(ids(body, "addresses")) == 2
    assert isinstance(body["timestamp"], int) and 0 < body["timestamp"] < 2**53
    assert body["has_more"] is False


def test_rows_carry_raw_columns_and_json_safe_values_only(app, client, world):
    body = pull(client, world.tokens["ann"])
    visit = body["changes"]["visits"]["updated"][0]
    account = body["changes"]["accounts"]["updated"][0]
    assert "_status" not in visit and "_changed" not in visit
    assert isinstance(visit["created_at"], int) and isinstance(visit["scheduled_on"], str)
    assert account["outstanding"] == "8000.00"


def test_national_ids_and_unrelated_numbers_are_masked(app, client, world):
    body = pull(client, world.tokens["ann"])
    national = {p["national_id"] for p in body["changes"]["parties"]["updated"]} - {None}
    assert national == {"310101***********4", "110101***********7"}
    numbers = {c["value"] for c in body["changes"]["contact_points"]["updated"]}
    assert numbers == {"13800001111", "*******2222"}


def test_another_collectors_cases_never_appear(app, client, world):
    body = pull(client, world.tokens["ann"])
    bobs = set(world.visits["bob"])
    assert not ids(body, "visits") & bobs
    assert not ids(body, "cases") & {world.cases[v] for v in bobs}


def test_no_id_appears_twice_in_one_answer(app, client, world):
    body = pull(client, world.tokens["ann"])
    for table, parts in body["changes"].items():
        every = [r["id"] for r in parts["created"] + parts["updated"]] + parts["deleted"]
        assert len(every) == len(set(every)), table


def test_incremental_pull_returns_only_changes(app, client, world):
    first = pull(client, world.tokens["ann"])
    assert pull(client, world.tokens["ann"], first["timestamp"])["timestamp"] == \
        first["timestamp"]
    with app.app_context():
        db.session.get(Visit, world.visits["ann"][0]).talking_points = "ask about salary"
        db.session.get(Visit, world.visits["bob"][0]).talking_points = "not for ann"
        db.session.commit()
    body = pull(client, world.tokens["ann"], first["timestamp"])
    assert body["timestamp"] > first["timestamp"]
    changed = {t: ids(body, t) for t in body["changes"] if ids(body, t)}
    assert changed == {"visits": {world.visits["ann"][0]}}
    assert body["changes"]["visits"]["updated"][0]["talking_points"] == "ask about salary"


def test_reassignment_sends_tombstones_and_the_new_owner_gets_the_case(app, client, world):
    ann, bob = world.tokens["ann"], world.tokens["bob"]
    a0, b0 = pull(client, ann), pull(client, bob)
    moved = world.visits["ann"][0]
    with app.app_context():
        row = db.session.scalar(select(VisitAssignee).where(VisitAssignee.visit_id == moved))
        row.ended_at = utcnow()
        db.session.add(VisitAssignee(visit_id=moved, user_id=world.collectors["bob"]))
        case = db.session.get(Case, world.cases[moved])
        debtor_id = db.session.get(Party, case.debtor_id).id
        address = db.session.scalar(select(Address.id).where(Address.party_id == debtor_id))
        db.session.commit()
    gone = pull(client, ann, a0["timestamp"])
    assert gone["changes"]["visits"]["deleted"] == [moved]
    assert gone["changes"]["cases"]["deleted"] == [world.cases[moved]]
    assert debtor_id in gone["changes"]["parties"]["deleted"]
    assert address in gone["changes"]["addresses"]["deleted"]
    assert len(gone["changes"]["parties"]["deleted"]) == 3
    assert not ids(gone, "visits")
    arrived = pull(client, bob, b0["timestamp"])
    assert moved in ids(arrived, "visits") and world.cases[moved] in ids(arrived, "cases")
    assert debtor_id in ids(arrived, "parties")


def test_closed_visits_leave_the_device_after_the_retention_days(app, client, world):
    ann = world.tokens["ann"]
    first = pull(client, ann)
    visit_id = world.visits["ann"][1]
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        visit.status, visit.completed_at = "completed", utcnow() - timedelta(days=30)
        db.session.commit()
    body = pull(client, ann, first["timestamp"])
    assert visit_id in body["changes"]["visits"]["deleted"]


def test_paginated_first_sync_completes_the_set_without_duplicates(app, client, world):
    ann = world.tokens["ann"]
    full = pull(client, ann)
    expected = {(t, r["id"]) for t, p in full["changes"].items() for r in p["updated"]}
    seen, last, pages = [], None, 0
    while True:
        body = pull(client, ann, last, limit=3)
        pages += 1
        seen += [(t, r["id"]) for t, p in body["changes"].items() for r in p["updated"]]
        last = body["timestamp"]
        if not body["has_more"]:
            break
    assert pages > 3 and len(seen) == len(set(seen)) and set(seen) == expected
    assert pull(client, ann, last)["changes"]["visits"]["updated"] == []


def test_too_old_schema_is_told_to_update(app, client, world):
    body = pull(client, world.tokens["ann"], schema_version=0, expect=426)
    assert "update" in body["message"]


def test_unknown_cursor_is_422(app, client, world):
    pull(client, world.tokens["ann"], 987654, expect=422)


def test_migration_pull_returns_whole_new_tables(app, client, world):
    first = pull(client, world.tokens["ann"])
    migration = ('{"from": 0, "tables": ["cases"],'
                 ' "columns": [{"table": "visits", "columns": ["offer"]}]}')
    body = pull(client, world.tokens["ann"], first["timestamp"], migration=migration)
    assert ids(body, "cases", "updated") == {world.cases[v] for v in world.visits["ann"]}
    assert ids(body, "visits", "updated") == set(world.visits["ann"])
    bad = '{"from": 0, "tables": ["nope"], "columns": []}'
    pull(client, world.tokens["ann"], first["timestamp"], migration=bad, expect=422)


def test_watermelon_null_first_sync_and_gzip(app, client, world):
    response = client.get("/api/v1/sync/pull?last_pulled_at=null&schema_version=1&migration=null",
                          headers={**world.tokens["ann"], "Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"


def test_dispatchers_cannot_pull(app, client, world):
    from tests.support import factories
    from tests.support.api import bearer, login

    with app.app_context():
        user = factories.user(db.session, role="dispatcher")
        db.session.commit()
        name = user.username
    pull(client, bearer(login(client, name)), expect=403)


def test_an_agencys_own_rule_profile_reaches_only_its_people(app, client, world):
    with app.app_context():
        s = db.session
        own_agency = s.get(User, world.collectors["ann"]).agency_id
        params = seeded_profile().to_dict()
        other = factories.agency(s)
        profiles = {
            "own": RuleProfile(code=factories.unique("OWN"), scope="agency",
                               agency_id=own_agency, params=params),
            "other": RuleProfile(code=factories.unique("OTH"), scope="agency",
                                 agency_id=other.id, params=params),
            "jurisdiction": RuleProfile(code=factories.unique("JX"), scope="jurisdiction",
                                        jurisdiction="ZZ", params=params),  # no case is in ZZ
        }
        s.add_all(profiles.values())
        s.commit()
        wanted = {k: p.id for k, p in profiles.items()}
    try:
        first = pull(client, world.tokens["ann"])
        sent = ids(first, "rule_profiles")
        assert {wanted["own"], wanted["jurisdiction"]} <= sent
        assert wanted["other"] not in sent
        with app.app_context():
            for profile_id in wanted.values():
                db.session.get(RuleProfile, profile_id).version += 1
            db.session.commit()
        later = ids(pull(client, world.tokens["ann"], first["timestamp"]), "rule_profiles")
        assert {wanted["own"], wanted["jurisdiction"]} <= later and wanted["other"] not in later
    finally:
        with app.app_context():
            for profile_id in wanted.values():
                db.session.delete(db.session.get(RuleProfile, profile_id))
            db.session.commit()


def _writes_during(app, action) -> list[str]:
    """The INSERT / UPDATE / DELETE statements the database received while `action` ran."""
    from sqlalchemy import event

    seen: list[str] = []

    def note(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement.split("\n")[0][:80])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def test_a_quiet_pull_writes_nothing_and_last_seen_moves_once_a_minute(app, client, world):
    from server.models import Device

    first = pull(client, world.tokens["ann"])
    assert _writes_during(app, lambda: pull(client, world.tokens["ann"], first["timestamp"])) \
        == []  # no cursor row, no device UPDATE: the poll of a phone with nothing new is read-only
    with app.app_context():
        device = db.session.get(Device, "phone-ann")
        device.last_seen_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
    writes = _writes_during(app, lambda: pull(client, world.tokens["ann"], first["timestamp"]))
    assert len(writes) == 1 and "devices" in writes[0]
    with app.app_context():
        seen = db.session.get(Device, "phone-ann").last_seen_at
        assert utcnow() - seen < timedelta(minutes=1)


def test_a_pull_with_no_new_feed_rows_still_takes_a_visit_that_aged_out(app, client, world):
    """Nothing changed since the cursor, but a visit closed 7 days ago has aged past the
    retention since that pull: the pull is not a quiet one, and the visit leaves."""
    import time_machine

    ann = world.tokens["ann"]
    visit_id = world.visits["ann"][1]
    first = pull(client, ann)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        visit.status = "completed"
        visit.completed_at = utcnow() - timedelta(days=7) + timedelta(minutes=1)
        db.session.commit()
    cursor = pull(client, ann, first["timestamp"])["timestamp"]  # the change itself
    assert pull(client, ann, cursor)["timestamp"] == cursor  # quiet: nothing new yet
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        body = pull(client, ann, cursor)
    assert visit_id in body["changes"]["visits"]["deleted"]
    assert body["timestamp"] != cursor


def test_a_change_committed_after_the_pull_by_a_transaction_open_during_it_comes_next(
        app, client, world, backend):
    """The cursor's snapshot names the transactions still in progress when it was taken; one
    of them committing afterwards makes the next pull bring its change, even though its txid
    is older than every txid written since."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: no transaction is open during a pull")
    from sqlalchemy import text

    ann = world.tokens["ann"]
    visit_id = world.visits["ann"][0]
    with app.app_context():
        late = db.engine.connect()
        try:
            tx = late.begin()
            late.execute(text("UPDATE visits SET talking_points = 'written late' WHERE id = :v"),
                         {"v": visit_id})
            late.execute(text(
                "INSERT INTO sync_changes (txid, table_name, row_id, op, changed_at)"
                " VALUES (pg_current_xact_id()::text::bigint, 'visits', :v, 'upsert', now())"),
                {"v": visit_id})
            # A later transaction commits first: the snapshot's xmax passes `late`'s txid,
            # which stays in the snapshot only as one in progress.
            other = db.session.get(Visit, world.visits["bob"][0])
            other.talking_points = "committed first"
            db.session.commit()
            first = pull(client, ann)  # its snapshot sees `late` in progress
            sent = {v["id"]: v for v in first["changes"]["visits"]["updated"]}
            assert sent[visit_id]["talking_points"] != "written late"
            tx.commit()
        finally:
            late.close()
    body = pull(client, ann, first["timestamp"])
    assert [v["talking_points"] for v in body["changes"]["visits"]["updated"]
            if v["id"] == visit_id] == ["written late"]

"""PostgreSQL's JSON-built rows (server/sync/json_rows.py) are the Python encoder's, exactly."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import text, true

from server.extensions import db
from server.models import Case
from server.sync import pull as pull_module
from server.sync import rows
from server.sync.tables import TABLE_ORDER
from tests.integration.sync import facts
from tests.integration.sync.conftest import pull, push
from tests.support import factories

# Values where a careless conversion would differ: integral and signed-zero floats, tiny and
# huge ones, money at its scale, JSON with unsorted keys, nesting and non-ASCII text, strings
# with quotes, escapes and control characters, times with sub-millisecond digits.
EDGES = [
    "UPDATE parties SET preferred_windows = "
    "'[{\"z\": 1, \"a\": [\"早上\", {\"y\": null, \"b\": 1.50}]}, \"x\\u00e9\"]'::json, "
    "birth_date = '1990-03-07', full_name = E'O\\'Brien \"q\" \\\\ \\t\\u0001 张三 😀'",
    "UPDATE check_ins SET lat = 1.0, lng = -0.0, accuracy_m = 1e-7",
    "UPDATE visit_outcomes SET note = E'line1\\nline2\\r\\u001f'",
    "UPDATE accounts SET principal = 0, outstanding = 12345678.90, overdue_amount = 0.5",
    "UPDATE visits SET completed_at = '2026-01-02 03:04:05.678999+00'",
    "UPDATE addresses SET lat = 31.230416, lng = 121.473701",
]


def _python_path(monkeypatch):
    """Every fetch through the Python encoder, on PostgreSQL too."""
    monkeypatch.setattr(rows, "fetch", rows.fetch_python)
    monkeypatch.setattr(pull_module, "fetch", rows.fetch_python)
    monkeypatch.setattr(pull_module, "is_postgres", lambda session: False)  # no one statement
    monkeypatch.setattr(pull_module, "fetch_all", lambda session, wheres, mask: {
        name: rows.fetch_python(session, name, where, mask, order=True)
        for name, where in wheres.items()})


def _populate(app, client, world):
    ann = world.tokens["ann"]
    changes = {"check_ins": {"created": [], "updated": [], "deleted": []},
               "visit_outcomes": {"created": [], "updated": [], "deleted": []},
               "visit_notes": {"created": [], "updated": [], "deleted": []},
               "payment_promises": {"created": [], "updated": [], "deleted": []}}
    with app.app_context():
        for visit_id in world.visits["ann"]:
            case = db.session.get(Case, world.cases[visit_id])
            account = factories.account_of(db.session, case)
            changes["check_ins"]["created"].append(facts.check_in(visit_id))
            changes["visit_outcomes"]["created"].append(facts.outcome(visit_id, note="x"))
            changes["visit_notes"]["created"].append(facts.note(visit_id, body="\u201cq\u201d"))
            changes["payment_promises"]["created"].append(
                facts.promise(visit_id, case.id, account.id, amount="1234.50"))
    push(client, ann, changes)
    with app.app_context():
        for statement in EDGES:
            db.session.execute(text(statement))
        db.session.commit()


def test_database_built_rows_equal_the_python_encoders_for_every_table(
        app, client, world, backend, monkeypatch):
    if backend != "postgresql":
        pytest.skip("SQLite has only the Python path")
    _populate(app, client, world)
    compared = set()
    with app.app_context():
        mask = rows.Masker(lambda: set(world.collectors.values()))
        for name in TABLE_ORDER:
            built = rows.fetch(db.session, name, true(), mask, order=True)
            encoded = rows.fetch_python(db.session, name, true(), mask, order=True)
            assert orjson.dumps(built) == orjson.dumps(encoded), name
            assert built == encoded, name
            if built:
                compared.add(name)
    assert {"parties", "party_relationships", "addresses", "contact_points", "cases",
            "accounts", "visits", "check_ins", "visit_outcomes", "visit_notes",
            "payment_promises"} <= compared
    built = pull(client, world.tokens["ann"])
    _python_path(monkeypatch)
    encoded = pull(client, world.tokens["ann"])
    assert orjson.dumps(built["changes"]) == orjson.dumps(encoded["changes"])


def _all_changed(app):
    """Every row of every synced table changed (the feed says so)."""
    from server.db.feed import record_changes
    with app.app_context():
        for name in TABLE_ORDER:
            record_changes(db.session, name, db.session.scalars(text(f"SELECT id FROM {name}")))
        db.session.commit()


def _counted_pull(app, client, headers, last):
    from sqlalchemy import event
    statements = []
    with app.app_context():
        engine = db.engine

        def count(*args, **kwargs):
            statements.append(1)
        event.listen(engine, "before_cursor_execute", count)
        try:
            return pull(client, headers, last=last), len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", count)


def _same(built, encoded):
    for name in built["changes"]:
        for kind in ("updated", "deleted"):
            assert sorted(orjson.dumps(r) for r in built["changes"][name][kind]) == sorted(
                orjson.dumps(r) for r in encoded["changes"][name][kind]), (name, kind)


def test_an_incremental_pull_in_one_statement_equals_the_read_by_read_path(
        app, client, world, backend, monkeypatch):
    """The incremental pull's reads batched into one statement (rows.reads_statement) answer what
    one statement per read, encoded in Python, answers: changed rows, then (the visits done)
    the ids of rows that left the scope."""
    if backend != "postgresql":
        pytest.skip("SQLite has only the Python path")
    ann = world.tokens["ann"]
    first = pull(client, ann)["timestamp"]
    with app.app_context():
        for statement in EDGES:
            db.session.execute(text(statement))
        db.session.commit()
    _all_changed(app)
    changed, batched = _both(app, client, ann, first, monkeypatch)
    _populate(app, client, world)  # outcomes: the visits are done and leave the phone
    _all_changed(app)
    left, _ = _both(app, client, ann, first, monkeypatch)
    assert sum(len(p["updated"]) for p in changed["changes"].values()) >= 10
    assert sum(len(p["deleted"]) for p in left["changes"].values()) >= 10
    assert batched < len(TABLE_ORDER)  # not a statement per table


def _both(app, client, headers, last, monkeypatch):
    """The pull from `last` batched, and the same pull read by read in Python: equal."""
    built, statements = _counted_pull(app, client, headers, last)
    with monkeypatch.context() as patched:
        _python_path(patched)  # the SQLite branch: a statement per read, Python encoding
        _same(built, pull(client, headers, last=last))
    return built, statements

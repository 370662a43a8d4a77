"""Property: any mix of duplicated, reordered, interrupted and retried pushes of a set of facts
ends with the server holding each pushed fact exactly once, with the content first sent."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from server.extensions import db
from server.models import CheckIn, ContactAttempt, QuarantinedRecord, VisitNote, VisitOutcome
from tests.integration.sync import facts

TABLES = {"check_ins": CheckIn, "visit_notes": VisitNote, "visit_outcomes": VisitOutcome}

push_plan = st.lists(
    st.tuples(st.sampled_from(["push", "retry", "interrupted"]),
              st.lists(st.integers(0, 5), min_size=1, max_size=8)),
    min_size=1, max_size=6)


def _facts(visits: list[str]) -> list[tuple[str, dict]]:
    made = []
    for i in range(6):
        visit = visits[i % len(visits)]
        made.append([("check_ins", facts.check_in(visit, id=f"c{i}")),
                     ("visit_notes", facts.note(visit, id=f"n{i}", body=f"note {i}")),
                     ("visit_outcomes", facts.outcome(visit, id=f"o{i}"))][i % 3])
    return made


def _send(client, headers, rows, poison=False):
    changes: dict = {}
    for table, row in rows:
        row = {**row, "bogus_column": 1} if poison else row
        changes.setdefault(table, {"created": [], "updated": [], "deleted": []})
        changes[table]["created"].append(row)
    response = client.post("/api/v1/sync/push", json={"changes": changes}, headers=headers)
    assert response.status_code == (422 if poison else 200), response.get_json()
    if not poison:
        assert response.get_json()["experimentalRejectedIds"] == {}


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=push_plan)
def test_any_mix_of_replays_ends_with_each_fact_exactly_once(app, client, world, plan):
    made = _facts(world.visits["ann"])
    delivered = set()
    for kind, picks in plan:
        rows = [made[i] for i in picks]  # duplicates and any order
        if kind == "interrupted":
            _send(client, world.tokens["ann"], rows, poison=True)
            continue
        for _ in range(2 if kind == "retry" else 1):
            _send(client, world.tokens["ann"], rows)
        delivered |= {row["id"] for _, row in rows}
    with app.app_context():
        stored = []
        for model in TABLES.values():
            stored += db.session.scalars(select(model.id)).all()
        assert sorted(stored) == sorted(delivered)
        outcomes = db.session.scalar(select(func.count()).select_from(VisitOutcome))
        ledger = db.session.scalar(select(func.count()).select_from(ContactAttempt))
        assert ledger == outcomes
        assert db.session.scalar(select(func.count()).select_from(QuarantinedRecord)) == 0
        for model in (ContactAttempt, *TABLES.values()):
            db.session.execute(delete(model))
        db.session.commit()

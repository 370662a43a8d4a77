"""TWO_PERSON closes when the partner's check-in arrives after the first phone's outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, Violation, VisitAssignee
from tests.integration.sync import facts
from tests.integration.sync.conftest import push

AT = int((datetime.now(UTC) - timedelta(days=2)).timestamp() * 1000)


def _two_person_states(app, visit_id) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Violation.status).where(
            Violation.visit_id == visit_id, Violation.rule == "TWO_PERSON")))


@pytest.fixture
def pair_visit(app, world):
    visit_id = world.visits["ann"][0]
    with app.app_context():
        db.session.add(VisitAssignee(visit_id=visit_id, user_id=world.collectors["bob"]))
        db.session.commit()
    return visit_id


def test_the_partners_check_in_15_s_after_the_outcome_closes_the_violation(
        app, client, world, pair_visit):
    ann = {"check_ins": {"created": [facts.check_in(pair_visit, recorded_at=AT)]},
           "visit_outcomes": {"created": [facts.outcome(pair_visit, recorded_at=AT + 600_000)]}}
    push(client, world.tokens["ann"], ann)
    assert _two_person_states(app, pair_visit) == ["open"]  # only one collector so far
    bob = facts.check_in(pair_visit, recorded_at=AT + 5_000)
    push(client, world.tokens["bob"], {"check_ins": {"created": [bob]}})
    assert _two_person_states(app, pair_visit) == ["resolved"]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "compliance.violation_resolved"))
        assert event.actor_id is None and event.detail["rule"] == "TWO_PERSON"


@pytest.mark.parametrize("order", list(permutations(["ann_in", "ann_outcome", "bob_in"])))
def test_whatever_order_the_phones_sync_in_a_two_person_visit_ends_with_no_open_violation(
        app, client, world, pair_visit, order):
    rows = {"ann_in": ("ann", "check_ins", facts.check_in(pair_visit, recorded_at=AT)),
            "bob_in": ("bob", "check_ins", facts.check_in(pair_visit, recorded_at=AT + 15_000)),
            "ann_outcome": ("ann", "visit_outcomes",
                            facts.outcome(pair_visit, recorded_at=AT + 600_000))}
    for step in order:
        who, table, row = rows[step]
        push(client, world.tokens[who], {table: {"created": [row]}})
    assert "open" not in _two_person_states(app, pair_visit)


def test_a_visit_that_really_had_one_collector_stays_flagged(app, client, world, pair_visit):
    push(client, world.tokens["ann"],
         {"check_ins": {"created": [facts.check_in(pair_visit, recorded_at=AT)]},
          "visit_outcomes": {"created": [facts.outcome(pair_visit, recorded_at=AT + 60_000)]}})
    push(client, world.tokens["ann"],  # more of ann's own facts change nothing
         {"check_ins": {"created": [facts.check_in(pair_visit, recorded_at=AT + 1_000)]}})
    assert _two_person_states(app, pair_visit) == ["open"]

"""The timeline tells which import created or changed a case and how its balance moved, who
let an assignment through with an override, and how a violation was reviewed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from server.models import Case, ImportChange, Violation, VisitAssignee
from tests.integration.cases.world import Statements, cases_world
from tests.integration.imports.support import make_lender, run_import
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.unit.imports.support import csv_text, row


def _feed(client, token, case_id, query=""):
    response = client.get(f"/api/v1/cases/{case_id}/timeline{query}", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_imports_that_created_and_changed_a_case_appear_with_balances(client, session):
    make_lender()
    importer = f.user(session, "admin")
    session.commit()
    first = run_import(csv_text([row(1), row(2)]), user_id=importer.id)
    second = run_import(csv_text([row(1, outstanding="7000"), row(2)]), user_id=importer.id)
    case_id = session.scalar(select(Case.id).where(Case.external_id == "C1"))

    body = _feed(client, login(client, importer.username), case_id, "?kind=import")

    entries = [(e["event"], e["info"], e["who"]["id"]) for e in body["entries"]]
    assert entries == [("created", "A1: 8000.50", importer.id),
                       ("updated", "A1: 8000.50 -> 7000.00", importer.id)]
    runs = session.execute(select(ImportChange.run_id, ImportChange.case_id)
                           .order_by(ImportChange.recorded_at)).all()
    assert {r for r, _ in runs} == {first.id, second.id}
    # the unchanged C2 got no history from the second import
    assert len(runs) == 3


def test_a_dry_run_leaves_no_history(client, session):
    make_lender()
    run_import(csv_text([row(1)]), dry_run=True)
    assert session.scalars(select(ImportChange)).all() == []


def test_overrides_and_violation_reviews_are_on_the_timeline(app, client, session):
    c = cases_world(session)
    case = c.cases[0]
    assignee = session.scalar(select(VisitAssignee).where(VisitAssignee.visit_id == c.visit.id))
    assignee.override_reason, assignee.assigned_by = "QUIET: debtor asked for 21:30", \
        c.w.dispatcher.id
    at = datetime(2026, 11, 30, 2, tzinfo=UTC)
    session.add(Violation(rule="QUIET", case_id=case.id, visit_id=c.visit.id,
                          user_id=c.w.agents[0].id, message="visit at 22:10", detected_at=at,
                          status="dismissed", reviewed_by=c.compliance.id,
                          reviewed_at=at.replace(hour=3), review_note="debtor's consent"))
    session.commit()
    token = login(client, c.compliance.username)

    body = _feed(client, token, case.id, "?kind=override&kind=violation")

    got = [(e["kind"], e["event"], e["info"], e["who"]["id"]) for e in body["entries"]]
    assert ("override", "granted", "QUIET: debtor asked for 21:30", c.w.dispatcher.id) in got
    assert [g for g in got if g[0] == "violation"] == [
        ("violation", "detected", "QUIET", c.w.agents[0].id),
        ("violation", "dismissed", "debtor's consent", c.compliance.id)]

    def statements():
        with Statements(app) as counter:
            _feed(client, token, case.id)
        return counter.count

    assert statements() == statements()

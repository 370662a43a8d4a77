"""The timeline tells which import created or changed a case and how its balance moved, who
let an assignment through with an override, and how a violation was reviewed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from server.models import Case, ImportChange, OutboxMessage, Violation, VisitAssignee
from tests.integration.cases.world import Statements, cases_world
from tests.integration.imports.support import make_lender, run_import
from tests.integration.sync.conftest import push
from tests.integration.sync.facts import now_ms
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
                          user_id=c.w.collectors[0].id, message="visit at 22:10", detected_at=at,
                          status="dismissed", reviewed_by=c.compliance.id,
                          reviewed_at=at.replace(hour=3), review_note="debtor's consent"))
    session.commit()
    token = login(client, c.compliance.username)

    body = _feed(client, token, case.id, "?kind=override&kind=violation")

    got = [(e["kind"], e["event"], e["info"], e["who"]["id"]) for e in body["entries"]]
    assert ("override", "granted", "QUIET: debtor asked for 21:30", c.w.dispatcher.id) in got
    assert [g for g in got if g[0] == "violation"] == [
        ("violation", "detected", "QUIET", c.w.collectors[0].id),
        ("violation", "dismissed", "debtor's consent", c.compliance.id)]

    def statements():
        with Statements(app) as counter:
            _feed(client, token, case.id)
        return counter.count

    assert statements() == statements()


def test_reminders_show_when_queued_sent_or_failed(client, session):
    c = cases_world(session)
    case = c.cases[0]
    at = datetime(2026, 11, 30, 1, tzinfo=UTC)
    for n, (status, sent, failed) in enumerate((("sent", at.replace(hour=2), None),
                                                 ("failed", None, at.replace(hour=3)))):
        session.add(OutboxMessage(case_id=case.id, recipient="13800138000",
                                  template=f"ptp_reminder_{n}", body="…", due_at=at,
                                  status=status, sent_at=sent, failed_at=failed,
                                  last_error="number unreachable" if failed else None,
                                  dedupe_key=f.unique("k")))
    session.commit()

    body = _feed(client, login(client, c.w.dispatcher.username), case.id, "?kind=message")

    assert sorted((e["event"], e["info"]) for e in body["entries"]) == [
        ("failed", "number unreachable"), ("queued", "ptp_reminder_0"),
        ("queued", "ptp_reminder_1"),
        ("sent", "ptp_reminder_0")]


def test_a_request_pushed_from_the_phone_is_on_the_timeline_as_the_collectors(
        client, session):
    c = cases_world(session)
    case, collector = c.cases[0], c.w.collectors[0]
    session.commit()
    phone = {**bearer(login(client, collector.username, device_id="phone-t")),
             "X-Device-Id": "phone-t"}
    push(client, phone, {"case_requests": {"created": [{
        "id": "cr-timeline-1", "case_id": case.id, "kind": "hardship", "via": "door",
        "note": "lost his job in October", "recorded_at": now_ms() - 60_000}]}})

    body = _feed(client, login(client, c.w.dispatcher.username), case.id, "?kind=request")

    assert [(e["event"], e["info"], e["who"]["id"]) for e in body["entries"]] == [
        ("hardship", "lost his job in October", collector.id)]

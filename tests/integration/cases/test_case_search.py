"""GET /api/v1/cases: search, filters, sort, pages, scope, audit and a constant query count."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from server.models import AuditEvent, Case, FollowUp, OptOut, Party
from tests.integration.cases.world import Statements, cases_world, relate
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.clock import operation_day


def _get(client, token, query=""):
    return client.get(f"/api/v1/cases{query}", headers=bearer(token))


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return [row["id"] for row in response.get_json()]


def test_a_dispatcher_finds_a_case_by_each_search_key(client, session):
    c = cases_world(session)
    relate(session, c.cases[2], phone="13900139000")
    session.commit()
    token = login(client, c.w.dispatcher.username)
    account = session.scalar(select(Case).where(Case.id == c.cases[1].id))
    from tests.support.factories import account_of

    assert _ids(_get(client, token, f"?case_ref={c.cases[1].external_id}")) == [c.cases[1].id]
    assert _ids(_get(client, token, f"?account_ref={account_of(session, account).external_id}")
                ) == [c.cases[1].id]
    assert _ids(_get(client, token, "?name=王1")) == [c.cases[1].id]
    assert sorted(_ids(_get(client, token, "?name=王"))) == sorted(x.id for x in c.cases)
    assert _ids(_get(client, token, "?phone=%2B86%20138-0013-8001")) == [c.cases[1].id]
    # a related party's number finds the debtor's case
    assert _ids(_get(client, token, "?phone=13900139000")) == [c.cases[2].id]
    assert _ids(_get(client, token, "?national_id_last4=1002")) == [c.cases[2].id]


def test_search_never_reaches_another_agencys_case(client, session):
    c = cases_world(session)
    session.commit()
    token = login(client, c.w.dispatcher.username)

    assert _ids(_get(client, token, f"?case_ref={c.foreign.external_id}")) == []
    assert c.foreign.id not in _ids(_get(client, token, "?page_size=100"))
    officer = login(client, c.compliance.username)
    assert _ids(_get(client, officer, f"?case_ref={c.foreign.external_id}")) == [c.foreign.id]


def test_a_collector_lists_only_the_cases_of_their_open_assignments(client, session):
    c = cases_world(session)
    session.commit()

    assert _ids(_get(client, login(client, c.w.collectors[0].username))) == [c.cases[0].id]
    assert _ids(_get(client, login(client, c.w.collectors[1].username))) == []


def test_filters_narrow_the_list(client, session):
    c = cases_world(session)
    first, second, third = c.cases
    session.get(Case, second.id).dispute_open = True
    session.get(Case, third.id).status = "paused"
    session.get(Party, first.debtor_id).hold_until = operation_day(30)
    session.add(OptOut(party_id=third.debtor_id, channel="all", reason="cease"))
    due = datetime(2026, 12, 1, 8, tzinfo=UTC)
    session.add(FollowUp(case_id=second.id, kind="call", due_at=due, reason="call back"))
    session.commit()
    token = login(client, c.w.dispatcher.username)

    assert _ids(_get(client, token, "?status=paused")) == [third.id]
    assert _ids(_get(client, token, "?bucket=M2")) == [second.id]
    assert sorted(_ids(_get(client, token, "?dpd_min=30&dpd_max=80"))) == sorted(
        [second.id, third.id])
    assert _ids(_get(client, token, "?dispute=true")) == [second.id]
    assert _ids(_get(client, token, "?hold=true")) == [first.id]
    assert _ids(_get(client, token, "?cease=true")) == [third.id]
    assert _ids(_get(client, token, f"?team={c.w.team.code}")) == [first.id]
    assert _ids(_get(client, token, f"?collector_id={c.w.collectors[0].id}")) == [first.id]
    assert _ids(_get(client, token, "?next_action_before=2026-12-01T09:00:00%2B00:00")) == [
        second.id]
    assert _ids(_get(client, token, "?next_action_before=2026-12-01T07:00:00%2B00:00")) == []
    assert _ids(_get(client, token, f"?agency={c.other.agency.code}")) == []
    officer = login(client, c.compliance.username)
    assert _ids(_get(client, officer, f"?agency={c.other.agency.code}")) == [c.foreign.id]


def test_unknown_filter_values_are_422_naming_the_field(client, session):
    c = cases_world(session)
    session.commit()
    token = login(client, c.w.dispatcher.username)

    for query, field in (("?status=lost", "status"), ("?bucket=Q9", "bucket"),
                         ("?agency=NOPE", "agency"), ("?team=NOPE", "team"),
                         ("?collector_id=nobody", "collector_id"), ("?sort=colour", "sort"),
                         ("?phone=12", "phone"), ("?national_id_last4=12", "national_id_last4"),
                         ("?dpd_min=50&dpd_max=10", "dpd_max"),
                         ("?next_action_before=2026-12-01T09:00:00", "next_action_before")):
        response = _get(client, token, query)
        assert response.status_code == 422, (query, response.get_json())
        errors = response.get_json()["errors"]
        assert field in json.dumps(errors), (query, errors)


def test_sorting_by_dpd_both_ways(client, session):
    c = cases_world(session)
    session.commit()
    token = login(client, c.w.dispatcher.username)
    by_dpd = [x.id for x in c.cases]

    assert _ids(_get(client, token, "?sort=dpd")) == by_dpd
    assert _ids(_get(client, token, "?sort=-dpd")) == by_dpd[::-1]


def test_a_page_is_audited_with_its_ids_and_filters(client, session):
    c = cases_world(session)
    session.commit()
    token = login(client, c.w.dispatcher.username)

    response = _get(client, token, "?sort=dpd&page_size=2&page=2")

    assert _ids(response) == [c.cases[2].id]
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "case.list"))
    assert event.actor_id == c.w.dispatcher.id
    assert event.detail["ids"] == [c.cases[2].id]
    assert event.detail["filters"] == {"page": 2, "sort": "dpd"}


def test_rows_show_the_debtor_masked_accounts_agencies_and_flags(client, session):
    c = cases_world(session)
    session.commit()

    row = _get(client, login(client, c.w.dispatcher.username),
               f"?case_ref={c.cases[0].external_id}").get_json()[0]

    assert row["debtor"]["name"] == "王0号"
    assert row["debtor"]["national_id"] == "310101***********0"
    assert row["accounts"][0]["dpd"] == 10 and row["accounts"][0]["outstanding"] == "8000.00"
    assert row["agencies"] == [c.w.agency.code]
    assert row["collector_ids"] == [c.w.collectors[0].id]
    assert row["flags"]["dispute"] is False and row["flags"]["cease"] == []


def test_a_page_costs_the_same_statements_whatever_its_size(app, client, session):
    c = cases_world(session, n=3)
    for case in c.cases:
        relate(session, case)
    from tests.integration.dispatch.world import placed_case

    for _ in range(12):
        placed_case(session, c.w)
    session.commit()
    token = login(client, c.w.dispatcher.username)

    def statements(size):
        with Statements(app) as counter:
            response = _get(client, token, f"?page_size={size}")
        assert len(_ids(response)) == size
        return counter.count

    assert statements(2) == statements(15)


def test_the_import_report_names_the_cases_it_created_and_changed(app, client, session):
    from tests.unit.imports.support import csv_text, row

    lender = f.agency(session, kind="lender", code="LND")
    admin = f.user(session, "admin")
    session.commit()
    token = login(client, admin.username)

    def upload(rows):
        import io

        return client.post("/api/v1/imports?lender=LND", headers=bearer(token),
                           data={"file": (io.BytesIO(csv_text(rows).encode()), "c.csv")},
                           content_type="multipart/form-data").get_json()

    first = upload([row(1), row(2)])
    second = upload([row(1), row(2, outstanding="1234.50"), row(3)])

    ids = {c.external_id: c.id for c in session.scalars(select(Case).where(
        Case.lender_id == lender.id))}
    assert sorted(first["case_ids"]["created"]) == sorted([ids["C1"], ids["C2"]])
    assert first["case_ids"]["updated"] == []
    assert second["case_ids"]["created"] == [ids["C3"]]
    assert second["case_ids"]["updated"] == [ids["C2"]]
    detail = client.get(f"/api/v1/cases/{ids['C3']}", headers=bearer(token))
    assert detail.status_code == 200 and detail.get_json()["case_ref"] == "C3"

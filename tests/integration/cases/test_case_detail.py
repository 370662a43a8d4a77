"""GET /api/v1/cases/{id}: the whole case, masked per role, audited; foreign = unknown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from server.models import AuditEvent, FollowUp, OptOut, Party, Placement
from tests.integration.cases.world import cases_world, relate
from tests.support import factories as f
from tests.support.api import bearer, login


def _read(client, token, case_id):
    return client.get(f"/api/v1/cases/{case_id}", headers=bearer(token))


def test_a_dispatcher_reads_the_whole_case(client, session):
    c = cases_world(session)
    case = c.cases[0]
    guarantor = relate(session, case, name="钱七", phone="13700137000", debt_related=True,
                       relationship="guarantor")
    debtor = session.get(Party, case.debtor_id)
    debtor.preferred_windows = [{"from": "18:00", "to": "20:00"}]
    session.add(OptOut(party_id=debtor.id, channel="sms", reason="opt_out"))
    session.add(FollowUp(case_id=case.id, kind="call", reason="call back",
                         due_at=datetime(2026, 12, 2, 2, tzinfo=UTC)))
    f.promise(session, case, "500", date(2026, 12, 10), datetime(2026, 12, 1, 3, tzinfo=UTC))
    session.commit()

    response = _read(client, login(client, c.w.dispatcher.username), case.id)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["case_ref"] == case.external_id and body["time_zone"] == "Asia/Shanghai"
    assert body["debtor"]["national_id"] == "310101***********0"
    assert [(p["name"], p["relationship"], p["debt_related"]) for p in body["related_parties"]
            ] == [("钱七", "guarantor", True)]
    assert body["accounts"][0]["outstanding"] == "8000.00" and body["accounts"][0]["dpd"] == 10
    assert body["addresses"][0]["verification_state"] == "geocoded"
    phones = {cp["party_id"]: cp for cp in body["contact_points"]}
    assert phones[debtor.id]["value"] == "13800138000"
    assert [o["channel"] for o in phones[debtor.id]["opt_outs"]] == ["sms"]
    assert phones[guarantor.id]["value"] == "13700137000"
    assert [p["agency"] for p in body["placements"]] == [c.w.agency.code]
    assert [p["amount"] for p in body["open_promises"]] == ["500.00"]
    assert body["state"]["cease_channels"] == ["sms"]
    assert body["state"]["preferred_windows"] == [{"from": "18:00", "to": "20:00"}]
    assert [v["assignee_ids"] for v in body["open_visits"]] == [[c.w.collectors[0].id]]
    assert [x["reason"] for x in body["open_follow_ups"]] == ["call back"]
    assert body["counts"]["visits"] == 1 and body["counts"]["promises"] == 1
    assert body["rules"]["profiles"][0]["code"].endswith("CN")
    assert body["rules"]["params"]["two_person_min"] == 2


def test_todays_windows_are_the_quiet_hours_cut_by_the_debtors_preferences(client, session):
    c = cases_world(session)
    case = c.cases[0]
    session.get(Party, case.debtor_id).preferred_windows = [{"from": "18:00", "to": "20:00"}]
    session.commit()

    body = _read(client, login(client, c.w.dispatcher.username), case.id).get_json()

    windows = body["rules"]["contact_windows"]
    local_date = body["rules"]["local_date"]
    # 18:00-20:00 in Shanghai is 10:00-12:00 UTC on the debtor's local day
    assert [(w["start"][11:16], w["end"][11:16]) for w in windows] == [("10:00", "12:00")]
    assert windows[0]["start"].startswith(local_date)


def test_a_collector_sees_related_parties_numbers_masked_and_no_restricted_note(client,
                                                                              session):
    c = cases_world(session)
    case = c.cases[0]
    relate(session, case, phone="13900139000")
    debtor = session.get(Party, case.debtor_id)
    debtor.vulnerable, debtor.vulnerability_note = True, "recent bereavement"
    session.commit()

    collector = _read(client, login(client, c.w.collectors[0].username), case.id).get_json()
    officer = _read(client, login(client, c.compliance.username), case.id).get_json()

    numbers = {cp["value"] for cp in collector["contact_points"]}
    assert numbers == {"13800138000", "*******9000"}
    assert collector["state"]["vulnerable"] is True
    assert collector["state"]["vulnerability_note"] is None
    assert officer["state"]["vulnerability_note"] == "recent bereavement"
    assert officer["debtor"]["national_id"] == "310101199001011000"
    assert "13900139000" in {cp["value"] for cp in officer["contact_points"]}


def test_a_foreign_case_answers_exactly_like_an_unknown_one(client, session):
    c = cases_world(session)
    returned = c.cases[1]
    placement = session.scalar(select(Placement).where(Placement.case_id == returned.id))
    placement.returned_at = datetime.now(UTC) - timedelta(days=1)
    session.commit()
    dispatcher = login(client, c.w.dispatcher.username)

    foreign = _read(client, dispatcher, c.foreign.id)
    unknown = _read(client, dispatcher, "no-such-case")
    recalled = _read(client, dispatcher, returned.id)
    peer = _read(client, login(client, c.w.collectors[1].username), c.cases[0].id)

    assert foreign.status_code == unknown.status_code == recalled.status_code == 404
    assert peer.status_code == 404
    scrub = lambda r, i: {**r.get_json(), "message": r.get_json()["message"].replace(i, "X")}  # noqa: E731
    assert scrub(foreign, c.foreign.id) == scrub(unknown, "no-such-case")
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "case.read")) is None


def test_every_read_is_audited(client, session):
    c = cases_world(session)
    session.commit()

    _read(client, login(client, c.w.collectors[0].username), c.cases[0].id)

    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "case.read"))
    assert (event.actor_id, event.object_type, event.object_id) == (
        c.w.collectors[0].id, "case", c.cases[0].id)


def test_the_whole_case_costs_the_same_statements_however_much_it_holds(app, client, session):
    from tests.integration.cases.world import Statements

    c = cases_world(session)
    small, big = c.cases[1], c.cases[2]
    for n in range(5):
        relate(session, big, name=f"亲属{n}", phone=f"1390013900{n}", debt_related=n % 2 == 0)
        session.add(OptOut(party_id=big.debtor_id, channel="sms"))
        session.add(FollowUp(case_id=big.id, kind="call", reason=f"call {n}",
                             due_at=datetime(2026, 12, 2, n, tzinfo=UTC)))
    session.commit()
    token = login(client, c.w.dispatcher.username)

    def statements(case):
        with Statements(app) as counter:
            assert _read(client, token, case.id).status_code == 200
        return counter.count

    assert statements(small) == statements(big)

"""A small world for sync tests: a team, two collectors with phones, cases assigned to each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from server.extensions import db
from server.models import ContactPoint, Party, PartyRelationship, utcnow
from server.sync.settings import SYNC_SCHEMA_VERSION
from tests.support import factories
from tests.support.api import bearer, login


@dataclass
class World:
    team_id: str
    lender_id: str
    collectors: dict = field(default_factory=dict)  # name -> user id
    tokens: dict = field(default_factory=dict)  # name -> bearer headers
    visits: dict = field(default_factory=dict)  # name -> [visit ids]
    cases: dict = field(default_factory=dict)  # visit id -> case id


def build_world(app, client, per_collector=2) -> World:
    with app.app_context():
        s = db.session
        team = factories.team(s)
        lender = factories.agency(s, kind="lender")
        world = World(team.id, lender.id)
        users = {}
        for name in ("ann", "bob"):
            users[name] = factories.user(s, team_row=team, username=f"{name}{factories.unique('')}")
            world.collectors[name] = users[name].id
        for name, user in users.items():
            world.visits[name] = []
            for _ in range(per_collector):
                case, visit = factories.case_with_visit(s, lender=lender, collectors=[user],
                                                        team_row=team)
                # Planned weeks ago: facts dated in the past few weeks were recorded after it.
                visit.created_at = utcnow() - timedelta(days=60)
                world.visits[name].append(visit.id)
                world.cases[visit.id] = case.id
                guarantor = Party(lender_id=lender.id, full_name="李四",
                                  national_id="110101198001017777")
                reference = Party(lender_id=lender.id, full_name="王五")
                s.add_all([guarantor, reference])
                s.flush()
                s.add_all([
                    PartyRelationship(debtor_id=case.debtor_id, party_id=guarantor.id,
                                      relationship="guarantor", debt_related=True),
                    PartyRelationship(debtor_id=case.debtor_id, party_id=reference.id,
                                      relationship="reference", debt_related=False),
                    ContactPoint(party_id=case.debtor_id, value="13800001111"),
                    ContactPoint(party_id=reference.id, value="13900002222"),
                ])
        s.commit()
        usernames = {n: u.username for n, u in users.items()}
    for name, username in usernames.items():
        world.tokens[name] = {**bearer(login(client, username, device_id=f"phone-{name}")),
                              "X-Device-Id": f"phone-{name}"}
    return world


@pytest.fixture
def world(app, client) -> World:
    return build_world(app, client)


def pull(client, headers, last=None, expect=200, **params):
    query = {"last_pulled_at": "" if last is None else last,
             "schema_version": SYNC_SCHEMA_VERSION, **params}
    response = client.get("/api/v1/sync/pull", query_string=query, headers=headers)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def push(client, headers, changes, last=None, expect=200, **kw):
    url = "/api/v1/sync/push" + (f"?last_pulled_at={last}" if last is not None else "")
    response = client.post(url, json={"changes": changes}, headers=headers, **kw)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def ids(body, table, kind=None) -> set:
    parts = body["changes"][table]
    kinds = [kind] if kind else ["created", "updated"]
    return {r["id"] for k in kinds for r in parts[k]}

"""`flask demo seed`: an empty database becomes a demo; a non-empty one is left alone."""

from __future__ import annotations

from sqlalchemy import func, select

from server.demo.seed import DEMO_PASSWORD
from server.models import Agency, Case, Party, Role, SyncChange, Team, User, Visit

SMALL = ["demo", "seed", "--debtors", "60", "--seed", "11"]


def _count(session, column, *where) -> int:
    return session.scalar(select(func.count(column)).where(*where))


def test_seed_creates_the_promised_organisation_and_portfolio(runner, session):
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    roles = dict(session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert roles == {Role.COLLECTOR: 12, Role.DISPATCHER: 2, Role.COMPLIANCE: 1, Role.ADMIN: 1}
    kinds = dict(session.execute(select(Agency.kind, func.count()).group_by(Agency.kind)).all())
    assert kinds == {"lender": 1, "outsourced": 2}
    assert _count(session, Team.id) == 3
    assert _count(session, Case.id) == 60
    assert _count(session, Party.id, Party.external_id.is_not(None)) == 60
    assert _count(session, Visit.id) > 0


def test_seed_prints_counts_logins_and_a_demo_only_warning(runner, session):
    output = runner.invoke(args=SMALL).output
    assert "cases" in output and "60" in output
    for username in session.scalars(select(User.username)):
        assert username in output
    assert f"password: {DEMO_PASSWORD}" in output and "WARNING" in output


def test_if_empty_does_nothing_on_a_seeded_database(runner, session):
    runner.invoke(args=SMALL)
    users_before = _count(session, User.id)
    result = runner.invoke(args=[*SMALL, "--if-empty"])
    assert result.exit_code == 0
    assert "nothing seeded" in result.output
    assert _count(session, User.id) == users_before


def test_plain_seed_refuses_a_non_empty_database(runner, session):
    runner.invoke(args=SMALL)
    cases_before = _count(session, Case.id)
    result = runner.invoke(args=SMALL)
    assert result.exit_code != 0
    assert "already holds data" in result.output
    assert _count(session, Case.id) == cases_before


def test_if_empty_seeds_an_empty_database(runner, session):
    result = runner.invoke(args=[*SMALL, "--if-empty"])
    assert result.exit_code == 0, result.output
    assert _count(session, User.id) == 16


def test_the_demo_password_logs_in_through_the_api(runner, session, client):
    runner.invoke(args=SMALL)
    for role in (Role.COLLECTOR, Role.DISPATCHER, Role.COMPLIANCE, Role.ADMIN):
        username = session.scalar(select(User.username).where(User.role == role).limit(1))
        response = client.post("/api/v1/auth/tokens",
                               json={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 201, (role, response.get_json())
        assert response.get_json()["user"]["role"] == role


def test_seeded_synced_rows_are_in_the_change_feed(runner, session):
    runner.invoke(args=SMALL)
    noted = _count(session, SyncChange.seq, SyncChange.table_name == "visits")
    assert noted == _count(session, Visit.id)
    assert _count(session, SyncChange.seq, SyncChange.table_name == "users") == 0

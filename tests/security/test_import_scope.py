"""Attack 1 of issue #14: an agency's dispatcher imports another agency's case.

A dispatcher's import touches only cases that exist and are unplaced or placed with their own
agency; a foreign case is refused exactly as an unknown one (nothing of it named). Creating,
placing elsewhere and re-balancing are the lender's (lender_ops, admin), audited.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from server.extensions import db
from server.models import Account, AuditEvent, Case, Party, Placement
from tests.integration.imports.support import run_import
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.unit.imports.support import csv_text, row


def _world(app) -> dict:
    """Lender L; agency A (dispatcher dora) and agency B with case C-B placed with it."""
    with app.app_context():
        s = db.session
        tag = f.unique("S")
        lender = f.agency(s, kind="lender", code=f"{tag}L")
        agency_a, agency_b = f.agency(s, code=f"{tag}A"), f.agency(s, code=f"{tag}B")
        dora = f.user(s, "dispatcher", f.team(s, agency_a))
        ops = f.user(s, "lender_ops", agency_code=lender.code)
        s.commit()
        w = {"tag": tag, "lender": lender.code, "a": agency_a.code, "b": agency_b.code,
             "dora": dora.username, "ops": ops.username, "b_id": agency_b.id}
    with app.app_context():  # the lender's own file places B's case (and an unplaced one)
        run_import(csv_text([_row(w, "B", outstanding="19924.32", agency_code=w["b"]),
                             _row(w, "U", outstanding="5000.00")]), lender=w["lender"])
    return w


def _row(w: dict, which: str, **values) -> dict:
    tag = w["tag"]
    base = {"case_id": f"{tag}C{which}", "account_id": f"{tag}A{which}",
            "debtor_id": f"{tag}D{which}", "name": f"债务人{which}"}
    return row(1, **(base | values))


def _post(client, w, who, rows, dry_run=False):
    headers = bearer(login(client, w[who]))
    query = f"?lender={w['lender']}" + ("&dry_run=true" if dry_run else "")
    return client.post(f"/api/v1/imports{query}", json={"rows": rows}, headers=headers)


def _case(app, w, which) -> tuple[str, Decimal, set]:
    with app.app_context():
        s = db.session
        case = s.scalar(select(Case).where(Case.external_id == f"{w['tag']}C{which}"))
        name = s.get(Party, case.debtor_id).full_name
        balance = s.scalar(select(Account.outstanding).where(Account.case_id == case.id))
        agencies = set(s.scalars(select(Placement.agency_id).where(
            Placement.case_id == case.id, Placement.returned_at.is_(None))))
        return name, balance, agencies


def _shape(body: dict, w: dict, which: str) -> str:
    """The answer with the row's own ids blanked, to compare two answers' wording."""
    text = repr({k: body[k] for k in ("status", "counts", "rejected_rows")})
    for kind in "CA":
        text = text.replace(f"{w['tag']}{kind}{which}", f"<{kind}>")
    return text


def test_a_foreign_case_answers_like_an_unknown_one_and_names_no_debtor(app, client):
    w = _world(app)
    foreign = _post(client, w, "dora", [_row(w, "B", debtor_id="WRONG")], dry_run=True)
    unknown = _post(client, w, "dora", [_row(w, "X", debtor_id="WRONG")], dry_run=True)
    assert foreign.status_code == unknown.status_code == 201
    f_body, u_body = foreign.get_json(), unknown.get_json()
    assert f_body["counts"]["rejected"] == 1
    assert _shape(f_body, w, "B") == _shape(u_body, w, "X")
    assert f"{w['tag']}DB" not in foreign.get_data(as_text=True)  # the real debtor id


def test_a_dispatcher_cannot_place_or_rebalance_another_agencys_case(app, client):
    w = _world(app)
    answer = _post(client, w, "dora", [_row(w, "B", outstanding="600.00", agency_code=w["a"],
                                            name="改名")])
    assert answer.status_code == 201
    assert answer.get_json()["counts"]["rejected"] == 1
    name, balance, agencies = _case(app, w, "B")
    assert (name, balance, agencies) == ("债务人B", Decimal("19924.32"), {w["b_id"]})


def test_a_dispatcher_works_unplaced_and_own_cases_but_places_only_with_their_agency(app,
                                                                                   client):
    w = _world(app)
    elsewhere = _post(client, w, "dora", [_row(w, "U", agency_code=w["b"])]).get_json()
    assert elsewhere["rejected_rows"][0]["errors"] == {
        "agency_code": ["you may place cases only with your own agency"]}
    own = _post(client, w, "dora", [_row(w, "U", outstanding="4000.00", agency_code=w["a"])])
    assert own.get_json()["counts"]["updated"] == 1, own.get_json()["rejected_rows"]
    again = _post(client, w, "dora", [_row(w, "U", outstanding="3000.00")]).get_json()
    assert again["counts"]["updated"] == 1
    _name, balance, agencies = _case(app, w, "U")
    assert balance == Decimal("3000.00") and len(agencies) == 1


def test_a_dispatcher_cannot_link_another_debtor_as_a_contact(app, client):
    w = _world(app)
    answer = _post(client, w, "dora", [_row(w, "U", contact1_id=f"{w['tag']}DB",
                                            contact1_name="冒充")]).get_json()
    assert list(answer["rejected_rows"][0]["errors"]) == ["contact1_id"]
    assert _case(app, w, "B")[0] == "债务人B"


def test_lender_ops_rebalance_and_replace_and_the_import_is_audited(app, client):
    w = _world(app)
    answer = _post(client, w, "ops", [_row(w, "B", outstanding="600.00", agency_code=w["a"])])
    assert answer.status_code == 201, answer.get_json()
    run_id = answer.get_json()["id"]
    _name, balance, agencies = _case(app, w, "B")
    assert balance == Decimal("600.00") and len(agencies) == 2
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_id == run_id))
        assert event.action == "import.run" and event.actor_id is not None
        assert event.detail["counts"]["updated"] == 1
        assert event.detail["placements"] == {"created": 1}

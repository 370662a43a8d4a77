"""Staff download the proof of payment a debtor sent online: the review follow-up links it
(`proof_url`), the case's agency and its assigned collector get the bytes (audited), anyone
else the 404 of an unknown file."""

from __future__ import annotations

import hashlib
import io

from sqlalchemy import select

from server.models import Agency, AuditEvent, User, VisitAssignee
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.selfservice import csrf, linked_case, prove, recorder

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64


def _uploaded(app, session):
    world = linked_case(session, app)
    debtor = app.test_client()
    assert prove(debtor, recorder(app), world.path).status_code == 302
    token = csrf(debtor.get("/s/proof").get_data(as_text=True))
    done = debtor.post("/s/proof", data={"csrf_token": token, "file": (
        io.BytesIO(PNG), "receipt.png")}, content_type="multipart/form-data")
    assert done.status_code == 200
    return world


def _token(client, session, user_id):
    return bearer(login(client, session.get(User, user_id).username))


def test_the_review_follow_up_links_the_proof_and_staff_download_it_audited(app, client,
                                                                           session):
    world = _uploaded(app, session)
    token = _token(client, session, world.dispatcher_id)
    case = client.get(f"/api/v1/cases/{world.case_id}", headers=token).get_json()
    [review] = [r for r in case["open_follow_ups"] if r["kind"] == "review"]
    sha = hashlib.sha256(PNG).hexdigest()
    assert review["proof_url"] == f"/api/v1/cases/{world.case_id}/self-service-proofs/{sha}"
    got = client.get(review["proof_url"], headers=token)
    assert got.status_code == 200 and got.data == PNG
    assert got.mimetype == "image/png" and "no-store" in got.headers["Cache-Control"]
    session.expire_all()
    [event] = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "self_service.proof_download")).all()
    assert (event.actor_id, event.object_id, event.detail["sha256"]) == (
        world.dispatcher_id, world.case_id, sha)

    assert all(r["proof_url"] is None for r in case["open_follow_ups"] if r is not review)


def test_only_the_assigned_collector_and_the_cases_agency_get_the_file(app, client, session):
    world = _uploaded(app, session)
    url = f"/api/v1/cases/{world.case_id}/self-service-proofs/{hashlib.sha256(PNG).hexdigest()}"
    assigned = session.scalar(select(VisitAssignee.user_id).where(
        VisitAssignee.visit_id == world.visit_id))
    dispatcher = session.get(User, world.dispatcher_id)
    idle = f.user(session, "collector", f.team(session, session.get(Agency, dispatcher.agency_id)))
    foreign = f.user(session, "dispatcher", f.team(session))
    officer = f.user(session, "compliance")
    session.commit()
    assert client.get(url, headers=_token(client, session, assigned)).status_code == 200
    assert client.get(url, headers=_token(client, session, officer.id)).status_code == 200
    for user in (idle, foreign):
        refused = client.get(url, headers=_token(client, session, user.id))
        assert refused.status_code == 404 and world.case_id not in refused.get_data(True)
    token = _token(client, session, world.dispatcher_id)
    unknown = url[:-64] + "0" * 64
    assert client.get(unknown, headers=token).status_code == 404
    assert client.get(url[:-64] + "not-a-hash", headers=token).status_code == 422

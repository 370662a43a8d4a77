"""Self-service test helpers: a debtor's case with a live link, the recording SMS provider
the pages send codes through, and proving the debtor through the real forms."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from server.access import Operator
from server.messaging.gateway import Gateway
from server.messaging.links import issue_link
from server.models import Role, utcnow
from server.selfservice.pages import GATEWAY_KEY
from tests.support import factories as f
from tests.support.messaging import Recorder, debtor_case

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE = re.compile(r"验证码是(\d{6})")
ID_LAST4 = "1234"  # factories.case_with_visit's national id ends so


@dataclass
class Linked:
    case_id: str
    visit_id: str
    link_id: str
    path: str
    dispatcher_id: str


def linked_case(session, app, days=14) -> Linked:
    """A case with a planned visit today, its debtor's phone, and a link a dispatcher issued."""
    agency = f.agency(session)
    team = f.team(session, agency)
    dispatcher = f.user(session, "dispatcher", team)
    collector = f.user(session, "collector", team)
    case = debtor_case(session, collectors=(collector,))
    from sqlalchemy import select

    from server.models import Visit
    visit = session.scalar(select(Visit).where(Visit.case_id == case.id))
    caller = Operator(dispatcher.id, Role.DISPATCHER, agency.id, team.id)
    link, url = issue_link(session, caller, case.id, {"days": days}, utcnow(),
                           app.config["SECRET_KEY"], "")
    plain = Linked(case.id, visit.id, link.id, url, dispatcher.id)
    # Plain values only: touching a row after the commit would open a transaction, and
    # SQLite's write lock would then stall the live server.
    session.commit()
    return plain


def recorder(app) -> Recorder:
    """The SMS provider the self-service pages send codes through, recording."""
    rec = Recorder()
    app.extensions[GATEWAY_KEY] = Gateway({"sms": rec})
    return rec


def csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no form with a CSRF token"
    return found.group(1)


def wait_for_code(rec: Recorder, count: int = 1, timeout: float = 10.0) -> str:
    """The code in the `count`-th message the provider got (sent off the request)."""
    deadline = time.monotonic() + timeout
    while len(rec.sent) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(rec.sent) >= count, "no code was sent"
    return CODE.search(rec.sent[count - 1].body).group(1)


def prove(client, rec: Recorder, path: str, digits: str = ID_LAST4, count: int = 1):
    """Open the link, ask for a code, answer with it and the id digits; the last answer."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    token = csrf(page)
    client.post("/s/code", data={"csrf_token": token})
    code = wait_for_code(rec, count)
    return client.post("/s/verify", data={"csrf_token": token, "code": code,
                                          "id_digits": digits})

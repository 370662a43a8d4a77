"""Every operation of the OpenAPI spec × every role × another collector's, team's or agency's
objects.

OWASP API1 (object level) and API5 (function level): a caller gets 401/403 from what their role
may not use, and 403/404 (or a list without them) for objects outside their scope; never a 5xx.
"""

from __future__ import annotations

import json
import re

import pytest

from server.api.security import PUBLIC_ATTR, ROLES_ATTR, view_method
from server.extensions import db
from tests.security import world as seed
from tests.security.matrix import ALLOWED, ANONYMOUS, PUBLIC, V1, operations, request_for
from tests.support.api import bearer, login

# caller -> (role, whose objects to aim at); collectors are scoped to themselves, dispatchers to
# their
# agency, compliance officers and admins see every agency (only 5xx and role checks apply).
CALLERS = {
    "anonymous": (ANONYMOUS, "foreign"),
    "ann-vs-peer": ("collector", "peer"),
    "ann-vs-agency-b": ("collector", "foreign"),
    "dora-vs-agency-b": ("dispatcher", "foreign"),
    "cora": ("compliance", "foreign"),
    "adam": ("admin", "foreign"),
    "lena-vs-agency-b": ("lender_ops", "foreign"),
}
LOGIN = {"collector": "ann", "dispatcher": "dora", "compliance": "cora", "admin": "adam",
         "lender_ops": "lena"}
SCOPED = {"collector", "dispatcher", "lender_ops"}


@pytest.fixture
def spec(client):
    return client.get("/api/openapi.json").get_json()


def test_every_operation_in_the_spec_has_a_reviewed_row(spec):
    in_spec = {(method, path) for method, path, _ in operations(spec)}
    assert in_spec - ALLOWED.keys() == set(), "add these routes to tests/security/matrix.py"
    assert ALLOWED.keys() - in_spec == set(), "these reviewed routes are gone from the spec"


def test_the_roles_views_declare_are_the_reviewed_ones(app):
    declared = {}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith(V1 + "/"):
                continue
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(V1))
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                handler = view_method(rule.endpoint, method)
                roles = (PUBLIC if getattr(handler, PUBLIC_ATTR, False)
                         else frozenset(getattr(handler, ROLES_ATTR, ())))
                declared[(method, path)] = roles
    assert declared == ALLOWED


def _leaks(response, secrets: set, request: dict) -> list[str]:
    """Another owner's data in the answer, apart from what the caller sent (echoed in errors)."""
    sent = repr(request)
    text = response.get_data(as_text=True)
    body = response.get_json(silent=True)
    if body is not None:  # names are \u-escaped on the wire
        text += json.dumps(body, ensure_ascii=False)
    return sorted(s for s in secrets if s and s in text and s not in sent)


def _check(method, path, role, response, victim, request) -> str | None:
    """What is wrong with this answer, or None."""
    status = response.status_code
    allowed = role in ALLOWED[(method, path)]
    if status >= 500:
        return f"{status} server error"
    if not allowed:
        expected = 401 if role == ANONYMOUS else 403
        return None if status == expected else f"{status}, expected {expected} for {role}"
    if role not in SCOPED:
        return None
    leaked = _leaks(response, victim.secrets, request)
    if leaked:
        return f"{status} carrying another owner's data: {leaked}"
    aimed = any(f"{{{name}}}" in path and name != "code" for name in victim.ids)
    if aimed and 200 <= status < 300:
        return f"{status} on another owner's object"
    return None


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_no_role_reaches_objects_outside_its_scope(app, client, spec, caller):
    role, victim_name = CALLERS[caller]
    with app.app_context():
        w = seed.build(app, db.session)
        db.session.commit()
    victim = getattr(w, victim_name)
    headers = {}
    if role != ANONYMOUS:
        device = w.own.ids["device_id"] if role == "collector" else None
        headers = bearer(login(client, w.users[LOGIN[role]], device_id=device))
    problems = []
    for method, path, op in operations(spec):
        if (method, path) not in ALLOWED:
            continue  # reported by test_every_operation_in_the_spec_has_a_reviewed_row
        request = request_for(method, path, op, victim.ids)
        response = client.open(headers=headers, **request)
        problem = _check(method, path, role, response, victim, request)
        if problem:
            problems.append(f"{method} {request['path']}: {problem}")
    assert not problems, "\n".join(problems)


WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _fingerprint(app) -> str:
    """Every row of every table: a refused write must leave it as it was."""
    with app.app_context():
        rows = []
        for table in db.metadata.sorted_tables:
            rows.append((table.name, sorted(map(repr, db.session.execute(table.select())))))
        db.session.rollback()
    return repr(rows)


@pytest.mark.parametrize("role", sorted({*LOGIN, ANONYMOUS}))
def test_no_role_makes_a_write_it_may_not(app, client, spec, role):
    """BFLA: every write of the spec by every role outside its row, aimed at the caller's own
    objects (where a working write is likeliest): 401/403 and not one row changed."""
    with app.app_context():
        w = seed.build(app, db.session)
        db.session.commit()
    headers = {}
    if role != ANONYMOUS:
        device = w.own.ids["device_id"] if role == "collector" else None
        headers = bearer(login(client, w.users[LOGIN[role]], device_id=device))
    refused = [(m, p, op) for m, p, op in operations(spec)
               if m in WRITES and (m, p) in ALLOWED and role not in ALLOWED[(m, p)]]
    assert refused or role == "admin"
    before, problems = _fingerprint(app), []
    for method, path, op in refused:
        request = request_for(method, path, op, w.own.ids)
        status = client.open(headers=headers, **request).status_code
        if status != (401 if role == ANONYMOUS else 403):
            problems.append(f"{method} {request['path']}: {status}")
    assert not problems, "\n".join(problems)
    assert _fingerprint(app) == before

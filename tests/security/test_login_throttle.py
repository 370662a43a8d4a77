"""Attack 5 of issue #14: five wrong passwords locked any account; unknown names answered apart.

Failed log-ins back off per (account, source), per account and per source; the owner is never
locked out (a source they logged in from stays theirs); an unknown name gets the same answer,
the same work and the same throttling as a wrong password.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

import server.auth.passwords as passwords
from server.auth.service import LoginPolicy, log_in
from server.auth.throttle import ThrottlePolicy
from server.errors import RateLimited, Unauthenticated
from server.extensions import db
from server.models import LoginThrottle, utcnow
from server.unit_of_work import use_case
from tests.support import factories as f


def _attempt(client, username, password="wrong password", ip="10.0.0.1"):
    return client.post("/api/v1/auth/tokens", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def _admin(app) -> str:
    with app.app_context():
        name = f.user(db.session, "admin").username
        db.session.commit()
    return name


class _Counting:
    """The hasher in use, counting verifications."""

    def __init__(self, inner):
        self.inner, self.verified = inner, 0

    def verify(self, stored, password):
        self.verified += 1
        return self.inner.verify(stored, password)

    def hash(self, password):
        return self.inner.hash(password)


def _throttles(app) -> dict:
    with app.app_context():
        return {r.key.split(":")[0]: r.failures for r in db.session.scalars(
            select(LoginThrottle).where(LoginThrottle.key.like("%|10.9.9.9")
                                        | LoginThrottle.key.like("%:10.9.9.9")
                                        | LoginThrottle.key.like("account:%")))}


def test_an_unknown_name_answers_and_works_exactly_like_a_wrong_password(app, client,
                                                                        monkeypatch):
    name = _admin(app)
    counting = _Counting(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", counting)
    answers = {}
    for who in (name, "no-such-user"):
        before = counting.verified
        response = _attempt(client, who, ip="10.9.9.9")
        answers[who] = (response.status_code, response.get_json(),
                        sorted(response.headers.keys()), counting.verified - before)
    assert answers[name] == answers["no-such-user"]
    assert answers[name][0] == 401 and answers[name][3] == 1
    with app.app_context():
        keys = sorted(db.session.scalars(select(LoginThrottle.key)))
    assert keys == sorted([f"pair:{name}|10.9.9.9", f"account:{name}", "source:10.9.9.9",
                           "pair:no-such-user|10.9.9.9", "account:no-such-user"])
    for who in (name, "no-such-user"):  # and both are throttled alike
        for _ in range(4):
            _attempt(client, who, ip="10.9.9.9")
        assert _attempt(client, who, ip="10.9.9.9").status_code == 429


def test_a_fuzzer_cannot_lock_the_admin_out(app, client):
    name = _admin(app)
    # The clock stands still: the first back-off is one second, and on a loaded machine a
    # request can take longer than that, which would let a guess through as a plain 401.
    with time_machine.travel(utcnow(), tick=False):
        assert _attempt(client, name, f.PASSWORD, ip="10.1.1.1").status_code == 201  # desk
        statuses = [_attempt(client, name, ip="203.0.113.7").status_code for _ in range(60)]
        assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}  # backs off at once
        assert _attempt(client, name, f.PASSWORD, ip="10.1.1.1").status_code == 201


def test_guessing_from_many_sources_slows_the_account_by_at_most_its_cap(app):
    policy = LoginPolicy(throttle=ThrottlePolicy(account_free=20, account_cap_s=60))
    now = utcnow()
    with app.app_context():
        name = f.user(db.session, "collector").username
        db.session.commit()
        for n in range(40):  # a botnet: a new source for every guess
            with pytest.raises((Unauthenticated, RateLimited)), use_case() as session:
                log_in(session, name, "guess", None, policy, now + timedelta(seconds=n),
                       source=f"198.51.100.{n}")
        with pytest.raises(RateLimited) as refused, use_case() as session:
            log_in(session, name, f.PASSWORD, None, policy, now + timedelta(seconds=40),
                   source="192.0.2.1")
        assert 0 < refused.value.errors["retry_after"] <= 60
        with use_case() as session:  # the owner, a minute later, from a new place
            issued = log_in(session, name, f.PASSWORD, None, policy, now + timedelta(seconds=101),
                            source="192.0.2.1")
        assert issued.token


def test_back_off_doubles_per_failure_up_to_the_pairs_cap(app):
    policy = LoginPolicy(throttle=ThrottlePolicy(pair_free=2, pair_cap_s=8))
    now, waits = utcnow(), []
    with app.app_context():
        for _ in range(6):
            with pytest.raises(Unauthenticated), use_case() as session:
                log_in(session, "someone", "guess", None, policy, now, source="10.2.2.2")
            row = db.session.get(LoginThrottle, "pair:someone|10.2.2.2")
            waits.append(round((row.blocked_until - row.last_failure_at).total_seconds())
                         if row.blocked_until else 0)
            now = (row.blocked_until or now) + timedelta(milliseconds=1)
    assert waits == [0, 1, 2, 4, 8, 8]

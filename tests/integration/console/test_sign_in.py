"""Signing in to the console: the API's log-in rules, a hardened cookie, CSRF on every form."""

from __future__ import annotations

import time_machine
from sqlalchemy import select

from server.models import AuditEvent, AuthToken, utcnow
from tests.integration.console.conftest import csrf_of, post, sign_in
from tests.support import factories as f


def test_a_page_without_a_session_redirects_to_sign_in_and_comes_back_after(console, session):
    f.user(session, "dispatcher", f.team(session), username="disp")
    session.commit()

    first = console.get("/console/cases")
    signed = sign_in(console, "disp")
    token = csrf_of(console.get("/console/sign-in?next=/console/cases").get_data(as_text=True))
    again = console.post("/console/sign-in", data={"username": "disp", "password": f.PASSWORD,
                                                   "csrf_token": token,
                                                   "next": "/console/cases"})

    assert first.status_code == 302
    assert first.headers["Location"].startswith("/console/sign-in?next=/console/cases")
    assert signed.status_code == 302
    assert again.headers["Location"] == "/console/cases"
    assert console.get("/console/cases").status_code == 200


def test_sign_in_never_redirects_to_another_site(console, session):
    f.user(session, "dispatcher", f.team(session), username="disp")
    session.commit()
    token = csrf_of(console.get("/console/sign-in").get_data(as_text=True))

    answer = console.post("/console/sign-in", data={
        "username": "disp", "password": f.PASSWORD, "csrf_token": token,
        "next": "//evil.example/console/"})

    assert answer.headers["Location"] == "/console/"


def test_the_session_cookie_is_http_only_and_same_site(console, session):
    f.user(session, "dispatcher", f.team(session), username="disp")
    session.commit()

    cookie = sign_in(console, "disp").headers["Set-Cookie"]

    assert cookie.startswith("doorstep_console=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_session_cookie_is_secure_in_production():
    from server.config import load_config

    production = load_config({"DOORSTEP_ENV": "production", "SECRET_KEY": "k" * 32,
                              "AUDIT_HMAC_KEY": "a" * 32, "DATABASE_URL": "sqlite://"})
    development = load_config({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k" * 32,
                               "AUDIT_HMAC_KEY": "a" * 32})

    assert production["SESSION_COOKIE_SECURE"] is True
    assert development["SESSION_COOKIE_SECURE"] is False


def test_a_wrong_password_is_refused_audited_and_issues_no_token(console, session):
    user = f.user(session, "dispatcher", f.team(session), username="disp")
    session.commit()

    answer = sign_in(console, "disp", "not the password")

    assert answer.status_code == 401
    assert session.scalar(select(AuthToken.id)) is None
    assert session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == user.id, AuditEvent.action.like("login%"))).all() == [
        "login.failed"]


def test_repeated_failures_back_off_like_the_api(app, console, session):
    f.user(session, "dispatcher", f.team(session), username="disp")
    session.commit()
    free = app.config["LOGIN_FREE_FAILURES"]

    with time_machine.travel(utcnow(), tick=False):  # the back-off lasts seconds: hold still
        answers = [sign_in(console, "disp", "wrong").status_code for _ in range(free + 1)]
        right = sign_in(console, "disp")

    assert answers[:free - 1] == [401] * (free - 1)
    assert answers[-1] == 429
    assert right.status_code == 429  # even the right password waits out the back-off


def test_a_form_without_the_csrf_token_is_refused(console, session):
    f.user(session, "dispatcher", f.team(session), username="disp")
    session.commit()
    sign_in(console, "disp")

    forged = console.post("/console/sign-out")
    wrong = console.post("/console/sign-out", data={"csrf_token": "guess"})
    header = console.post("/console/sign-out", headers={"X-CSRF-Token": "guess"})

    assert [forged.status_code, wrong.status_code, header.status_code] == [400, 400, 400]
    assert console.get("/console/cases").status_code == 200  # still signed in


def test_the_sign_in_form_itself_needs_the_token(console, session):
    f.user(session, "dispatcher", f.team(session), username="disp")
    session.commit()

    answer = console.post("/console/sign-in", data={"username": "disp",
                                                    "password": f.PASSWORD})

    assert answer.status_code == 400
    assert session.scalar(select(AuthToken.id)) is None


def test_signing_out_revokes_the_token_and_ends_the_session(console, session):
    f.user(session, "dispatcher", f.team(session), username="disp")
    session.commit()
    sign_in(console, "disp")

    out = post(console, "/console/sign-out")

    assert out.status_code == 302
    assert session.scalar(select(AuthToken.revoked_at)) is not None
    assert console.get("/console/cases").status_code == 302


def test_a_deactivated_user_is_signed_out_at_their_next_request(console, session):
    user = f.user(session, "dispatcher", f.team(session), username="disp")
    session.commit()
    sign_in(console, "disp")

    user.active = False
    session.commit()

    assert console.get("/console/cases").status_code == 302


def test_pages_carry_a_csp_without_inline_script_and_are_not_cached(console, session):
    f.user(session, "dispatcher", f.team(session), username="disp")
    session.commit()
    sign_in(console, "disp")

    page = console.get("/console/cases")
    csp = page.headers["Content-Security-Policy"]

    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in page.get_data(as_text=True)  # no inline script anywhere


def test_the_language_switch_turns_the_pages_english_and_back(console, session):
    f.user(session, "dispatcher", f.team(session), username="disp")
    session.commit()
    sign_in(console, "disp")

    chinese = console.get("/console/cases").get_data(as_text=True)
    post(console, "/console/language", {"lang": "en", "next": "/console/cases"})
    english = console.get("/console/cases").get_data(as_text=True)
    post(console, "/console/language", {"lang": "zh_CN"})
    back = console.get("/console/cases").get_data(as_text=True)

    assert '<html lang="zh-CN">' in chinese and "查找案件" in chinese
    assert '<html lang="en">' in english and "Find a case" in english
    assert "查找案件" in back

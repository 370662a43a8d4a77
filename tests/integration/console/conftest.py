"""Console helpers: sign in through the real form, read the CSRF token the pages carry."""

from __future__ import annotations

import re

import pytest

from tests.support.factories import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a console page's forms carry."""
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client, username: str, password: str = PASSWORD):
    """Open the sign-in page, post the form with its token; return the answer."""
    token = csrf_of(client.get("/console/sign-in").get_data(as_text=True))
    return client.post("/console/sign-in", data={"username": username, "password": password,
                                                 "csrf_token": token})


def post(client, path: str, data: dict | None = None, **kwargs):
    """A form post carrying the CSRF token of the page at `path`'s origin (the board)."""
    token = csrf_of(client.get("/console/board").get_data(as_text=True))
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


@pytest.fixture
def console(app):
    """A browser-like client: keeps the session cookie between requests."""
    return app.test_client()

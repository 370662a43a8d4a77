"""Every console page declares who may open it (fail closed), like the API's views."""

from __future__ import annotations

from server.console.session import OPEN_ENDPOINTS, ROLES_ATTR


def test_every_console_page_but_sign_in_declares_its_roles(app):
    undeclared = [rule.rule for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("console.") and rule.endpoint not in OPEN_ENDPOINTS
                  and getattr(app.view_functions[rule.endpoint], ROLES_ATTR, None) is None]

    assert undeclared == []


def test_static_assets_are_served_without_a_session_and_with_the_csp(client):
    script = client.get("/console/static/vendor/htmx/htmx.min.js")

    assert script.status_code == 200
    assert "script-src 'self'" in script.headers["Content-Security-Policy"]

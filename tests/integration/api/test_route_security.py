"""Every /api/v1 route is authenticated or explicitly public, and declares its roles."""

from __future__ import annotations

from server.api.security import PUBLIC_ATTR, ROLES_ATTR, view_method

PUBLIC_ROUTES = {("/api/v1/health", "GET"), ("/api/v1/health/live", "GET"),
                 ("/api/v1/auth/tokens", "POST"),
                 # provider callbacks: a provider signature instead of a token (403 without)
                 *{(f"/api/v1/messaging/{kind}/{provider}", "POST")
                   for kind in ("receipts", "inbound") for provider in ("twilio", "aliyun")}}


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_view_declares_roles_or_is_public(app):
    with app.test_request_context():
        undeclared = []
        for rule, method in _api_routes(app):
            handler = view_method(rule.endpoint, method)
            if not (getattr(handler, PUBLIC_ATTR, False) or getattr(handler, ROLES_ATTR, None)):
                undeclared.append((rule.rule, method))
    assert undeclared == []


def test_only_the_known_public_routes_are_public(app):
    with app.test_request_context():
        public = {(rule.rule, method) for rule, method in _api_routes(app)
                  if getattr(view_method(rule.endpoint, method), PUBLIC_ATTR, False)}
    assert public == PUBLIC_ROUTES


def test_every_non_public_route_refuses_an_anonymous_caller(app, client):
    for rule, method in _api_routes(app):
        if (rule.rule, method) in PUBLIC_ROUTES:
            continue
        url = rule.rule.replace("<", "").replace(">", "")
        response = client.open(url, method=method)
        assert response.status_code == 401, (rule.rule, method, response.status_code)

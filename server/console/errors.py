"""Errors on console pages: an HTML page (or, for htmx, a fragment) in the person's language,
with the same statuses as the API's JSON errors."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from werkzeug.exceptions import HTTPException

from server.errors import DomainError
from server.errors_http import STATUS_OF


def status_of(exc: DomainError) -> int:
    """The HTTP status the API gives the same domain error."""
    return next((code for cls, code in STATUS_OF.items() if isinstance(exc, cls)), 422)


def _render(status: int, message: str, errors=None):
    template = "console/_error.html" if request.headers.get("HX-Request") else \
        "console/error.html"
    return render_template(template, status=status, message=message, errors=errors), status


def _domain(exc: DomainError):
    return _render(status_of(exc), exc.message, exc.errors)


def _http(exc: HTTPException):
    return _render(exc.code or 500, exc.description or exc.name)


def install(blp: Blueprint) -> None:
    """Render the blueprint's errors as pages."""
    blp.register_error_handler(DomainError, _domain)
    blp.register_error_handler(HTTPException, _http)

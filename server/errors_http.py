"""Every error leaves as JSON {code, status, message, errors?}; domain errors map to statuses."""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from server import errors

STATUS_OF = {
    errors.InvalidInput: 422,
    errors.NotFound: 404,
    errors.Forbidden: 403,
    errors.Unauthenticated: 401,
    errors.StaleVersion: 409,
    errors.Conflict: 409,
    errors.RuleViolation: 422,
    errors.TooLarge: 413,
    errors.RateLimited: 429,
}

log = logging.getLogger("doorstep.errors")


def error_response(status: int, message: str | None = None, errors_: dict | None = None):
    """Build the one JSON error shape."""
    phrase = HTTPStatus(status).phrase
    body = {"code": status, "status": phrase, "message": message or phrase}
    if errors_:
        body["errors"] = _text_keys(errors_)
    return jsonify(body), status


def _text_keys(value):
    """Error maps with text keys only: a form field whose name does not decode comes back
    from webargs keyed None, which JSON (with sorted keys) cannot hold next to strings."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): _text_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text_keys(v) for v in value]
    return value


def _domain(exc: errors.DomainError):
    # A domain error nobody mapped is still ours: say what happened, as a 422, never a crash.
    status = next((code for cls, code in STATUS_OF.items() if isinstance(exc, cls)), 422)
    response = error_response(status, exc.message, exc.errors)
    if status == 401:
        response[0].headers["WWW-Authenticate"] = "Bearer"
    if status == 429 and isinstance((exc.errors or {}).get("retry_after"), int):
        response[0].headers["Retry-After"] = str(exc.errors["retry_after"])
    return response


def _http(exc: HTTPException):
    data = getattr(exc, "data", None) or {}
    message, errs = data.get("message") or exc.description, None
    messages = data.get("messages")
    if isinstance(messages, dict):
        # webargs nests field errors by location; a body error is what clients care about.
        errs = messages.get("json", messages)
        if isinstance(errs, list):
            if "Invalid JSON body." in errs:
                message = "the request body is not valid JSON"
            errs = {"body": errs}
        elif exc.code == 422:
            message = "the request has invalid fields; see errors"
    if exc.code == 429:  # flask-limiter's description is the limit itself ("10 per 1 minute")
        message = f"too many requests (limit {exc.description}); retry after Retry-After seconds"
    response = error_response(exc.code or 500, message, errs)
    for key, value in exc.get_headers() or []:
        if key.lower() != "content-type":
            response[0].headers[key] = value
    return response


def _unexpected(exc: Exception):
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal error; it has been logged")


def init_app(app: Flask) -> None:
    """Register the handlers (after flask-smorest's, so ours win)."""
    app.register_error_handler(errors.DomainError, _domain)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _unexpected)

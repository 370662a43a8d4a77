"""Request ids, one log line per request, JSON lines (app and gunicorn) when LOG_JSON is on."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Mapping

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-Id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_\-.]{1,64}$")
# Only these record attributes reach a JSON line: nothing a caller sent (bodies, queries,
# tokens, names) is ever copied into a log record by this module.
FIELDS = ("request_id", "method", "route", "path", "status", "duration_ms", "user_id", "bytes")
request_log = logging.getLogger("doorstep.request")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: getattr(record, key) for key in FIELDS if hasattr(record, key)})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class GunicornAccessFormatter(JsonFormatter):
    """gunicorn's access lines as JSON (no query string, client address or user agent)."""

    def format(self, record: logging.LogRecord) -> str:
        atoms = record.args if isinstance(record.args, Mapping) else {}
        if atoms:
            record.method, record.path = atoms.get("m"), atoms.get("U")
            record.status = _int_or_none(atoms.get("s"))
            record.duration_ms = round((atoms.get("D") or 0) / 1000, 1)
            record.bytes = atoms.get("B")
            record.request_id = atoms.get("{x-request-id}o")
            record.msg, record.args = f"{record.method} {record.path} {atoms.get('s')}", None
        return super().format(record)


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class RequestIdFilter(logging.Filter):
    """Stamp every record logged during a request with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = g.get("request_id")
        return True


def json_handler(stream=None) -> logging.Handler:
    """A handler writing JSON lines, each with the current request id."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    return handler


def gunicorn_logconfig() -> dict:
    """gunicorn's `logconfig_dict`: its error and access logs as JSON lines too."""
    def stream(name: str, formatter: str) -> dict:
        return {"class": "logging.StreamHandler", "formatter": formatter,
                "stream": f"ext://sys.{name}"}

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter},
                       "access": {"()": GunicornAccessFormatter}},
        "handlers": {"error": stream("stderr", "json"), "access": stream("stdout", "access")},
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }


def _assign_request_id() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex


def route_of() -> str:
    """The matched URL rule (`/api/v1/visits/<id>`), never the raw path; ids stay out."""
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def request_duration_s() -> float | None:
    """Seconds since this request started, when the start was recorded."""
    started = g.get("request_started")
    return None if started is None else time.perf_counter() - started


def _log_request(response):
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    seconds = request_duration_s()
    principal = g.get("principal")
    route, status = route_of(), response.status_code
    request_log.info("%s %s %s", request.method, route, status, extra={
        "request_id": g.get("request_id"), "method": request.method, "route": route,
        "status": status, "duration_ms": None if seconds is None else round(seconds * 1000, 1),
        "user_id": getattr(principal, "user_id", None)})
    return response


def init_app(app: Flask) -> None:
    """Install request-id hooks, the per-request log line and, when configured, JSON logging."""
    app.before_request(_assign_request_id)
    app.after_request(_log_request)
    if app.config.get("LOG_JSON"):
        logger = logging.getLogger("doorstep")
        logger.handlers[:] = [json_handler()]
        logger.setLevel(logging.INFO)

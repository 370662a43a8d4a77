"""Request ids on every request and response; JSON log lines when LOG_JSON is on."""

from __future__ import annotations

import json
import logging
import re
import uuid

from flask import Flask, g, request

REQUEST_ID_HEADER = "X-Request-Id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_\-.]{1,64}$")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _assign_request_id() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex


def _echo_request_id(response):
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    return response


def init_app(app: Flask) -> None:
    """Install request-id hooks and, when configured, JSON logging."""
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
    if app.config.get("LOG_JSON"):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root = logging.getLogger("doorstep")
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)

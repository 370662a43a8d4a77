"""Jinja filters of the console: times in a named zone (labelled), amounts, statuses."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import lazy_gettext as _l

from server.clock import OPERATION_ZONE
from server.console.session import csrf_token

STATUS_LABELS = {
    "planned": _l("Planned"), "assigned": _l("Assigned"), "in_progress": _l("In progress"),
    "completed": _l("Completed"), "cancelled": _l("Cancelled"), "missed": _l("Missed"),
}


def local_time(moment: datetime | str | None, tz: str | None, fmt: str = "%H:%M") -> str:
    """A UTC instant (or its ISO text) as wall time in `tz` ('' for none)."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(tz or OPERATION_ZONE)).strftime(fmt)


def status_label(status: str) -> str:
    """A visit status in the person's language."""
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status


def init_app(app: Flask) -> None:
    """Register the filters and the CSRF helper for the console's templates."""
    app.jinja_env.filters.update(local_time=local_time, status_label=status_label)
    app.jinja_env.globals.update(csrf_token=csrf_token)

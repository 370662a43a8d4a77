"""Schemas and fields shared by several blueprints."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import Schema, ValidationError, fields

from server.api.security import current_principal
from server.extensions import db
from server.people.queries import team_id_of, user_id_of


class ErrorSchema(Schema):
    """The one error shape every 4xx/5xx answer has."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict()


# Money leaves as a decimal string ("500.00"), never a float; say so in the spec.
MONEY = {"type": "string", "format": "decimal", "example": "500.00"}


class CaseMoneySchema(Schema):
    """What a promise and a payment (a receipt) both say: whose case, which visit, how much."""

    id = fields.String()
    case_id = fields.String()
    account_id = fields.String()
    visit_id = fields.String(allow_none=True)
    user_id = fields.String(allow_none=True)
    amount = fields.Decimal(as_string=True, metadata=MONEY)
    currency = fields.String()


def operation_zone() -> ZoneInfo:
    """The operation's time zone: what a plain date or a wall-clock time in a filter means."""
    return ZoneInfo(current_app.config["SCHEDULER_TIMEZONE"])


class Instant(fields.String):
    """A time filter: ISO 8601 with an offset, a local time without one, or a plain date.

    A plain date is the operation's local day: its first instant, or with `end_of_day` the
    first instant of the next day (so `to=2026-12-01` includes the whole of 1 December).
    A time without an offset is the operation's wall-clock time. Loads as an aware UTC datetime.
    """

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        day = "the next day's start" if end_of_day else "its start"
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {
            "description": f"ISO 8601 date-time (with offset, or the operation's local time) or "
                           f"a plain date (the operation's local day, {day})",
            "example": "2026-12-01", **kwargs["metadata"]}
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        zone = operation_zone()
        try:
            if len(text) == 10:
                start = datetime.combine(date.fromisoformat(text), time(0), tzinfo=zone)
                if self.end_of_day:  # via the next date: a day is not always 24 hours (DST)
                    next_day = start.date() + timedelta(days=1)
                    start = datetime.combine(next_day, time(0), tzinfo=zone)
                return start.astimezone(UTC)
            moment = datetime.fromisoformat(text)
            return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)
        except (ValueError, OverflowError) as exc:
            raise ValidationError("not a date (YYYY-MM-DD) or an ISO 8601 date-time in "
                                  "years 0001-9998") from exc


def _name(value: str) -> str:
    """An id, code or username as a filter gives it, short (server/api/parser.py refuses NUL)."""
    if not 0 < len(value) <= 80:
        raise ValidationError("not an id or a name (1-80 characters)")
    return value


class TeamRef(fields.String):
    """A team named by id or code, loaded as its id; 422 for a team the caller cannot see."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"description": "team id or code", "example": "PD1"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        ref = _name(super()._deserialize(value, attr, data, **kwargs))
        team_id = team_id_of(db.session, current_principal(), ref)
        if team_id is None:
            raise ValidationError(f"no team {ref[:64]!r} in your scope (give its id or code)")
        return team_id


class UserRef(fields.String):
    """A user named by id or username, loaded as the id; 422 for one the caller cannot name."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"description": "user id or username",
                                       "example": "ding.lingling"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        ref = _name(super()._deserialize(value, attr, data, **kwargs))
        user_id = user_id_of(db.session, current_principal(), ref)
        if user_id is None:
            raise ValidationError(f"no user {ref[:64]!r} in your scope (give an id or username)")
        return user_id

"""What the documented values of facts are (docs/sync.md section 3), checked per row; pure.

Types are the wire decoders' job; this is the meaning: enumerations, amounts above zero at
the column's scale, coordinates on the globe, content hashes, and device times that are
neither in the future (after clock correction) nor before their visit existed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from server.cases import request_values
from server.models.consents import ConsentKind
from server.models.facts import OutcomeCode
from server.payments.offer_values import CHECKS as OFFER_CHECKS
from server.payments.offer_values import ENUMS as OFFER_ENUMS
from server.sync.settings import DEVICE_TIME_TOLERANCE_MS

ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("check_ins", "kind"): ("in", "out"),
    ("visit_outcomes", "code"): OutcomeCode.ALL,
    ("payments", "method"): ("cash", "transfer", "qr"),
    ("consents", "kind"): ConsentKind.ALL,
    ("consents", "method"): ("verbal_recorded", "signature", "written", "in_app"),
    ("address_reports", "kind"): ("moved", "wrong", "coordinates", "new_address"),
    ("attachments", "kind"): ("photo", "audio"),
    **request_values.ENUMS,  # the debtor's requests and calls recorded on the phone
    **OFFER_ENUMS,  # offers made at the door
}
POSITIVE = frozenset({("payment_promises", "amount"), ("payments", "amount")})
LATITUDES = ("lat", "proposed_lat")
LONGITUDES = ("lng", "proposed_lng")
PATTERNS: dict[tuple[str, str], tuple[re.Pattern, str]] = {
    ("attachments", "sha256"): (re.compile(r"[0-9a-f]{64}"), "64 lower-case hex digits"),
    ("payment_promises", "currency"): (re.compile(r"[A-Z]{3}"), "an ISO 4217 code (CNY)"),
    ("payments", "currency"): (re.compile(r"[A-Z]{3}"), "an ISO 4217 code (CNY)"),
}
# Device clock readings of each fact; all are corrected by the device's clock offset.
DEVICE_TIMES = ("recorded_at", "paid_at", "granted_at", "withdrawn_at")
TOLERANCE = timedelta(milliseconds=DEVICE_TIME_TOLERANCE_MS)
# Checks of a table's rows beyond the enumerations, shared with the REST schemas.
CHECKS = {**request_values.CHECKS, **OFFER_CHECKS}


def value_errors(table: str, values: dict) -> dict[str, list[str]]:
    """Column -> messages for decoded values outside what the docs define."""
    errors: dict[str, list[str]] = {}
    for column, value in values.items():
        if value is None:
            continue
        allowed = ENUMS.get((table, column))
        if allowed is not None and value not in allowed:
            errors[column] = [f"expected one of {', '.join(allowed)}"]
        elif (table, column) in POSITIVE and value <= Decimal(0):
            errors[column] = ["must be more than 0 (at two decimal places)"]
        elif column in LATITUDES and not -90 <= value <= 90:
            errors[column] = ["a latitude is between -90 and 90"]
        elif column in LONGITUDES and not -180 <= value <= 180:
            errors[column] = ["a longitude is between -180 and 180"]
        elif column == "accuracy_m" and value < 0:
            errors[column] = ["must not be negative"]
        elif (table, column) in PATTERNS:
            pattern, what = PATTERNS[table, column]
            if not pattern.fullmatch(value):
                errors[column] = [f"expected {what}"]
    check = CHECKS.get(table)
    if check is not None and not errors:
        errors = check(values)
    return errors


def shift(moment: datetime, offset_ms: int | None) -> datetime:
    """A device time corrected by the clock offset (server minus device), never overflowing."""
    try:
        return moment + timedelta(milliseconds=offset_ms or 0)
    except OverflowError:
        return datetime.max.replace(tzinfo=moment.tzinfo)


def time_errors(values: dict, offset_ms: int | None, now: datetime,
                visit_created: datetime | None) -> dict[str, list[str]]:
    """Device times beyond the tolerance after `now`, or before the visit existed."""
    errors: dict[str, list[str]] = {}
    for column in DEVICE_TIMES:
        value = values.get(column)
        if value is None:
            continue
        at = shift(value, offset_ms)
        if at > now + TOLERANCE:
            errors[column] = [f"{at.isoformat(timespec='seconds')} (clock-corrected) is in the "
                              "future"]
        elif column == "recorded_at" and visit_created and at < visit_created - TOLERANCE:
            errors[column] = ["before the visit existed "
                              f"({visit_created.isoformat(timespec='seconds')})"]
    return errors


def due_date_errors(due_on: date, made_on: date, max_days: int) -> dict[str, list[str]]:
    """A promise is due from the day it was made to at most `max_days` later."""
    if due_on < made_on:
        return {"due_on": [f"before the day the promise was made ({made_on.isoformat()})"]}
    if due_on > made_on + timedelta(days=max_days):
        return {"due_on": [f"more than {max_days} days after the day it was made "
                           f"({made_on.isoformat()}; profile limit promise_max_days)"]}
    return {}

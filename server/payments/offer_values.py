"""What an offer made at the door may hold, as the phone sends it: the value checks of a pushed
`offer_requests` row, the same as the REST schema's (server/api/offer_schemas.py) (pure).

The schedule travels as a JSON column: a list of 1 to MAX_LINES {"due_on": "YYYY-MM-DD",
"amount": "1000.00"} lines, amounts above zero at two decimal places, and `amount` is their
total. What needs the database (the balance, the account, today's date) is checked by the
same service as the REST path when the row is applied (server/payments/offers.py).
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal, InvalidOperation

from server.models import OfferKind

MAX_LINES = 60
CENT = Decimal("0.01")
LINE_KEYS = frozenset({"due_on", "amount"})

# (table, column) -> allowed values, checked on every pushed row (server/sync/values.py).
ENUMS = {("offer_requests", "kind"): OfferKind.ALL}


def _amount(raw) -> Decimal | None:
    """A line's amount (a decimal string or a number) at two places, or None if it is none."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None
    if isinstance(raw, float) and not math.isfinite(raw):
        return None
    try:
        value = Decimal(str(raw).strip())
        return value.quantize(CENT) if value.is_finite() and value.adjusted() < 12 else None
    except InvalidOperation:
        return None


def _line(raw) -> tuple[dict | None, str | None]:
    if not isinstance(raw, dict) or set(raw) != LINE_KEYS:
        return None, "each line is {due_on: YYYY-MM-DD, amount: a decimal}"
    try:
        due_on = date.fromisoformat(raw["due_on"]) if isinstance(raw["due_on"], str) else None
    except ValueError:
        due_on = None
    if due_on is None:
        return None, "due_on: expected YYYY-MM-DD"
    amount = _amount(raw["amount"])
    if amount is None:
        return None, "amount: expected a decimal number below 10^12"
    if amount <= 0:
        return None, "amount: must be more than 0 (at two decimal places)"
    return {"due_on": due_on, "amount": amount}, None


def schedule_lines(schedule) -> tuple[list[dict], list[str]]:
    """The schedule as [{due_on: date, amount: Decimal}] in the order sent, and its errors."""
    if not isinstance(schedule, list) or not 1 <= len(schedule) <= MAX_LINES:
        return [], [f"a list of 1 to {MAX_LINES} lines"]
    lines, errors = [], []
    for number, raw in enumerate(schedule, 1):
        line, problem = _line(raw)
        if problem:
            errors.append(f"line {number}: {problem}")
        else:
            lines.append(line)
    return lines, errors


def offer_errors(values: dict) -> dict[str, list[str]]:
    """Column -> messages for a pushed offer_requests row beyond its enumerations."""
    lines, problems = schedule_lines(values.get("schedule"))
    errors: dict[str, list[str]] = {"schedule": problems} if problems else {}
    amount = values.get("amount")
    if amount is not None and amount <= 0:
        errors["amount"] = ["must be more than 0 (at two decimal places)"]
    elif amount is not None and not problems:
        total = sum((line["amount"] for line in lines), Decimal("0"))
        if amount != total:
            errors["amount"] = [f"{amount} is not the schedule's total ({total})"]
    if values.get("note") == "":
        errors["note"] = ["1 to 500 characters (send null for none)"]
    return errors


CHECKS = {"offer_requests": offer_errors}

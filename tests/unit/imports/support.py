"""Builders for import test data: valid resident ids and CSV text from row dicts."""

from __future__ import annotations

import csv
import io

from server.imports.values import _CN_ID_CHECK, _CN_ID_WEIGHTS

HEADER = ("case_id", "account_id", "debtor_id", "name", "national_id", "principal",
          "outstanding", "overdue_amount", "due_since", "home_address", "phones")


def cn_id(birth: str = "19900307", sequence: str = "123") -> str:
    """A resident id with a correct check digit (sequence odd = male)."""
    body = f"110101{birth}{sequence}"
    return body + _CN_ID_CHECK[sum(int(d) * w for d, w in zip(body, _CN_ID_WEIGHTS,
                                                               strict=True)) % 11]


def row(n: int = 1, **overrides) -> dict:
    """A valid row for account A{n} of case C{n}, debtor D{n}."""
    values = {
        "case_id": f"C{n}", "account_id": f"A{n}", "debtor_id": f"D{n}", "name": f"张{n}",
        "national_id": cn_id(sequence=f"{n % 1000:03d}"), "principal": "10000.00",
        "outstanding": "8000.50", "overdue_amount": "500", "due_since": "2026-10-01",
        "home_address": f"上海市黄浦区人民大道{n}号", "phones": f"138{n:08d}",
    }
    values.update(overrides)
    return values


def csv_text(rows: list[dict], header: tuple[str, ...] | None = None) -> str:
    """CSV text with a header (default: HEADER plus any extra keys, in order of appearance)."""
    columns = list(header or HEADER)
    for values in rows:
        columns.extend(k for k in values if k not in columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for values in rows:
        writer.writerow([values.get(column, "") for column in columns])
    return out.getvalue()

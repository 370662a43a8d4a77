"""Validate one raw row into an ImportRow, or into field errors; no database involved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from hashlib import sha256

from server.imports import values as v
from server.imports.columns import MAX_CONTACTS, REQUIRED
from server.imports.readers import RawRow

REQUIRED_MESSAGE = "Missing data for required field."
ADDRESS_COLUMNS = {"home_address": "home", "work_address": "work",
                   "registered_address": "registered", "mailing_address": "mailing"}
LIST_COLUMNS = {"phones"} | {f"contact{n}_phone" for n in range(1, MAX_CONTACTS + 1)}
CONTACT_COLUMNS = tuple(
    (n, f"contact{n}_", tuple(f"contact{n}_{f}" for f in ("id", "name", "relationship", "phone",
                                                         "debt_related")))
    for n in range(1, MAX_CONTACTS + 1))


@dataclass(slots=True)
class Contact:
    """A related party of the debtor as the row gives it."""

    external_id: str
    name: str
    relationship: str
    phones: list[str]
    debt_related: bool


@dataclass(slots=True)
class ImportRow:
    """One valid row: an account with its case, debtor, addresses, phones and related parties."""

    line: int
    case_id: str
    account_id: str
    debtor_id: str
    debtor: dict  # full_name, national_id, gender, birth_date, vulnerable (None = not given)
    account: dict  # product, currency, amounts, due_since, dpd, bucket (None = not given)
    jurisdiction: str | None
    agency_code: str | None
    addresses: list[tuple[str, str]]  # (kind, text)
    phones: list[str]
    emails: list[str]
    contacts: list[Contact]


class _Cells:
    """Reads cells through parsers, collecting every error instead of stopping at the first."""

    def __init__(self, raw: RawRow):
        self.values = raw.values
        self.errors: dict[str, list[str]] = {k: list(m) for k, m in raw.errors.items()}

    def get(self, column: str, parse: Callable, required: bool = False):
        value = self.values.get(column)
        if value.__class__ is str and value and not value.isspace():  # a filled CSV cell
            try:
                return parse(value)
            except ValueError as exc:
                self.errors.setdefault(column, []).append(str(exc))
                return None
        if value is None or (isinstance(value, str) and not value.strip()) or value == []:
            if required:
                self.errors.setdefault(column, []).append(REQUIRED_MESSAGE)
            return None
        if isinstance(value, dict) or (isinstance(value, list) and column not in LIST_COLUMNS):
            self.errors.setdefault(column, []).append("must be a single value")
            return None
        try:
            return parse(value)
        except ValueError as exc:
            self.errors.setdefault(column, []).append(str(exc))
            return None


def _text(max_len: int) -> Callable[[object], str | None]:
    return lambda value: v.text(value, max_len)


_TEXT_32, _TEXT_64, _TEXT_120, _TEXT_500 = _text(32), _text(64), _text(120), _text(500)


def derived_party_id(debtor_id: str, name: str) -> str:
    """A stable external id for a related party the lender gave no id for: debtor + name."""
    return "rp-" + sha256(f"{debtor_id}\x1f{name}".encode()).hexdigest()[:32]


def validate_row(raw: RawRow, default_jurisdiction: str, as_of: date) -> ImportRow | dict:
    """The row as an ImportRow, or {column: [messages]} when anything in it is wrong."""
    cells = _Cells(raw)
    ids = {c: cells.get(c, _TEXT_64, required=True) for c in REQUIRED[:3]}
    jurisdiction = cells.get("jurisdiction", v.jurisdiction)
    debtor = _debtor(cells, jurisdiction or default_jurisdiction, as_of)
    account = _account(cells, as_of)
    addresses = [(kind, text) for column, kind in ADDRESS_COLUMNS.items()
                 if (text := cells.get(column, _TEXT_500))]
    row = ImportRow(
        line=raw.line, case_id=ids["case_id"], account_id=ids["account_id"],
        debtor_id=ids["debtor_id"], debtor=debtor, account=account, jurisdiction=jurisdiction,
        agency_code=cells.get("agency_code", _TEXT_32), addresses=addresses,
        phones=cells.get("phones", v.phones) or [],
        emails=cells.get("email", v.emails) or [],
        contacts=_contacts(cells, ids["debtor_id"]),
    )
    return cells.errors or row


def _debtor(cells: _Cells, jurisdiction: str, as_of: date) -> dict:
    national_id = cells.get("national_id", lambda x: v.national_id(x, jurisdiction))
    born, sex = v.facts_from_cn_id(national_id) if national_id and jurisdiction == "CN" else (
        None, None)
    birth_date = cells.get("birth_date", v.day)
    if birth_date is not None and birth_date > as_of:
        cells.errors.setdefault("birth_date", []).append("is in the future")
    return {
        "full_name": cells.get("name", _TEXT_120, required=True),
        "national_id": national_id,
        "gender": cells.get("gender", v.gender) or sex,
        "birth_date": birth_date or born,
        "vulnerable": cells.get("vulnerable", v.flag),
    }


def _account(cells: _Cells, as_of: date) -> dict:
    outstanding = cells.get("outstanding", v.money, required=True)
    overdue = cells.get("overdue_amount", v.money)
    if overdue is not None and outstanding is not None and overdue > outstanding:
        cells.errors.setdefault("overdue_amount", []).append("must not exceed outstanding")
    due_since = cells.get("due_since", v.day)
    dpd = cells.get("dpd", lambda x: v.whole(x, 0, v.MAX_DPD))
    if due_since is not None:
        dpd = max(0, (as_of - due_since).days)  # the date wins over a stale day count
    elif dpd:
        due_since = as_of - timedelta(days=dpd)
    bucket = cells.get("bucket", v.bucket) or (v.bucket_for(dpd) if dpd is not None else None)
    return {
        "product": cells.get("product", _TEXT_32),
        "currency": cells.get("currency", v.currency),
        "principal": cells.get("principal", v.money, required=True),
        "outstanding": outstanding,
        "overdue_amount": overdue,
        "due_since": due_since,
        "dpd": dpd,
        "bucket": bucket,
    }


def _contacts(cells: _Cells, debtor_id: str | None) -> list[Contact]:
    contacts: list[Contact] = []
    seen: dict[str, int] = {}
    for n, prefix, columns in CONTACT_COLUMNS:
        if not any(cells.values.get(c) not in (None, "", []) for c in columns):
            continue
        name = cells.get(prefix + "name", _TEXT_120, required=True)
        relationship = cells.get(prefix + "relationship", v.relationship) or "reference"
        debt_related = cells.get(prefix + "debt_related", v.flag)
        contact_phones = cells.get(prefix + "phone", v.phones) or []
        external_id = cells.get(prefix + "id", _TEXT_64)
        if name is None or debtor_id is None:
            continue
        external_id = external_id or derived_party_id(debtor_id, name)
        if external_id == debtor_id:
            cells.errors.setdefault(prefix + "id", []).append("is the debtor's own id")
        elif external_id in seen:
            cells.errors.setdefault(prefix + "name", []).append(
                f"is the same person as contact{seen[external_id]}")
        seen[external_id] = n
        contacts.append(Contact(external_id, name, relationship, contact_phones,
                                relationship == "guarantor" if debt_related is None
                                else debt_related))
    return contacts

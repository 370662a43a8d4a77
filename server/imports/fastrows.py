"""A fast path for `rows.validate_row`: the same ImportRow for rows whose cells are all plain.

`validate_row` reads every cell through `_Cells.get` and a parser that normalises any spelling
a lender may use; at ~90 µs a row it was a third of an import's Python time. Nearly every row
of a real file is plain: text cells, amounts like `1234.56`, ISO dates, 11-digit mobiles. This
module reads such a row with inline checks and calls the same parsers for the rarer columns;
the moment anything is not plain (a blank required cell, an odd spelling, any error) it gives
up and `validate_row` decides, so rejected rows keep their exact messages. Where it does
answer, the answer is `validate_row`'s (tests/unit/imports/test_fastrows.py compares both).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from operator import mul

from server.imports import values as v
from server.imports.readers import RawRow
from server.imports.rows import (
    ADDRESS_COLUMNS,
    CONTACT_COLUMNS,
    Contact,
    ImportRow,
    derived_party_id,
    validate_row,
)

_PLAIN_MONEY = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CN_ID = re.compile(r"[0-9]{17}[0-9X]")
_MOBILES = re.compile(r"1[3-9][0-9]{9}(?:;1[3-9][0-9]{9})*")
_CENT = Decimal("0.01")
_CHECK_OFFSET = 48 * sum(v._CN_ID_WEIGHTS)  # ASCII '0' is 48: sum of (code - 48) * weight
_ADDRESSES = tuple(ADDRESS_COLUMNS.items())


class _NotPlain(Exception):
    """Leave this row to validate_row."""


def validate_rows(raws: list[RawRow], default_jurisdiction: str, as_of: date
                  ) -> list[ImportRow | dict]:
    """validate_row for each row (plain rows through the fast path)."""
    out = []
    for raw in raws:
        row = None
        if not raw.errors:
            try:
                row = _plain_row(raw.line, raw.values, default_jurisdiction, as_of)
            except _NotPlain:
                row = None
        out.append(row if row is not None else validate_row(raw, default_jurisdiction, as_of))
    return out


def plain_row(raw: RawRow, default_jurisdiction: str, as_of: date) -> ImportRow | None:
    """The row through the fast path, or None when validate_row has to decide."""
    if raw.errors:
        return None
    try:
        return _plain_row(raw.line, raw.values, default_jurisdiction, as_of)
    except _NotPlain:
        return None


def _text(value: str | None, max_len: int) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())  # as values.text; blank is missing, as _Cells.get has it
    if len(cleaned) > max_len:
        raise _NotPlain
    return cleaned or None


def _required(value: str | None, max_len: int) -> str:
    cleaned = _text(value, max_len)
    if cleaned is None:
        raise _NotPlain
    return cleaned


def _parsed(parse, value: str | None):
    """A rarer column through its own parser; blank is missing."""
    if value is None or not value or value.isspace():
        return None
    try:
        return parse(value)
    except ValueError:
        raise _NotPlain from None


def _money(value: str | None) -> Decimal | None:
    if value is not None and _PLAIN_MONEY.fullmatch(value):
        return Decimal(value).quantize(_CENT)  # at most two decimals: nothing to round
    return _parsed(v.money, value)


def _day(value: str | None) -> date | None:
    if value is not None and _ISO_DAY.fullmatch(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise _NotPlain from None
        if not 1900 <= parsed.year <= 2100:
            raise _NotPlain
        return parsed
    return _parsed(v.day, value)


def _phones(value: str | None) -> list[str]:
    if value is not None and _MOBILES.fullmatch(value):
        return list(dict.fromkeys(value.split(";")))
    return _parsed(v.phones, value) or []


def _national_id(value: str | None, jurisdiction: str) -> str | None:
    if jurisdiction == "CN" and value is not None and _CN_ID.fullmatch(value):
        digits = value.encode()
        total = sum(map(mul, digits[:17], v._CN_ID_WEIGHTS)) - _CHECK_OFFSET
        if v._CN_ID_CHECK[total % 11] != value[17]:
            raise _NotPlain
        return value
    return _parsed(lambda x: v.national_id(x, jurisdiction), value)


def _plain_row(line: int, values: dict, default_jurisdiction: str, as_of: date) -> ImportRow:
    for value in values.values():
        if value is not None and value.__class__ is not str:
            raise _NotPlain  # JSON numbers, lists, objects: validate_row knows them
    get = values.get
    case_id = _required(get("case_id"), 64)
    account_id = _required(get("account_id"), 64)
    debtor_id = _required(get("debtor_id"), 64)
    jurisdiction = _parsed(v.jurisdiction, get("jurisdiction"))
    where = jurisdiction or default_jurisdiction
    national_id = _national_id(get("national_id"), where)
    born, sex = v.facts_from_cn_id(national_id) if national_id and where == "CN" else (
        None, None)
    birth_date = _day(get("birth_date"))
    if birth_date is not None and birth_date > as_of:
        raise _NotPlain
    debtor = {
        "full_name": _required(get("name"), 120),
        "national_id": national_id,
        "gender": _parsed(v.gender, get("gender")) or sex,
        "birth_date": birth_date or born,
        "vulnerable": _parsed(v.flag, get("vulnerable")),
    }
    outstanding = _money(get("outstanding"))
    overdue = _money(get("overdue_amount"))
    if outstanding is None or (overdue is not None and overdue > outstanding):
        raise _NotPlain
    due_since = _day(get("due_since"))
    dpd = _parsed(_dpd, get("dpd"))
    if due_since is not None:
        dpd = max(0, (as_of - due_since).days)  # the date wins over a stale day count
    elif dpd:
        due_since = as_of - timedelta(days=dpd)
    bucket = _parsed(v.bucket, get("bucket")) or (v.bucket_for(dpd) if dpd is not None
                                                   else None)
    principal = _money(get("principal"))
    if principal is None:
        raise _NotPlain
    account = {
        "product": _text(get("product"), 32),
        "currency": _parsed(v.currency, get("currency")),
        "principal": principal,
        "outstanding": outstanding,
        "overdue_amount": overdue,
        "due_since": due_since,
        "dpd": dpd,
        "bucket": bucket,
    }
    addresses = [(kind, text) for column, kind in _ADDRESSES
                 if (text := _text(get(column), 500))]
    return ImportRow(
        line=line, case_id=case_id, account_id=account_id, debtor_id=debtor_id, debtor=debtor,
        account=account, jurisdiction=jurisdiction, agency_code=_text(get("agency_code"), 32),
        addresses=addresses, phones=_phones(get("phones")),
        emails=_parsed(v.emails, get("email")) or [], contacts=_contacts(get, debtor_id))


def _dpd(value: str) -> int:
    return v.whole(value, 0, v.MAX_DPD)


def _contacts(get, debtor_id: str) -> list[Contact]:
    contacts: list[Contact] = []
    seen: set[str] = set()
    for _n, prefix, columns in CONTACT_COLUMNS:
        if not any(map(get, columns)):  # every cell None or empty
            continue
        name = _required(get(prefix + "name"), 120)
        relationship = get(prefix + "relationship")
        relationship = (v.RELATIONSHIPS.get(relationship) if relationship is not None else None
                        ) or _parsed(v.relationship, relationship) or "reference"
        debt_related = _parsed(v.flag, get(prefix + "debt_related"))
        phones = _phones(get(prefix + "phone"))
        external_id = _text(get(prefix + "id"), 64) or derived_party_id(debtor_id, name)
        if external_id == debtor_id or external_id in seen:
            raise _NotPlain
        seen.add(external_id)
        contacts.append(Contact(external_id, name, relationship, phones,
                                relationship == "guarantor" if debt_related is None
                                else debt_related))
    return contacts

"""Turn a text stream into raw rows (canonical column -> cell), with the line each starts on."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from server.imports.columns import (
    CONTACT_FIELDS,
    MAX_CONTACTS,
    FileRejected,
    canonical,
    read_header,
)

CONTACT_LIST_KEYS = ("related_parties", "contacts", "联系人")
CONTACT_KEYS = {"external_id": "id", "phones": "phone"} | {name: name for name in CONTACT_FIELDS}


@dataclass(slots=True)
class RawRow:
    """One row as read: `line` is where it starts (CSV: header = 1; JSON: position in the list)."""

    line: int
    values: dict[str, object]
    errors: dict[str, list[str]] = field(default_factory=dict)


class CsvRows:
    """Rows of a CSV file; the header is checked before the first row is read."""

    def __init__(self, text: TextIO):
        csv.field_size_limit(1 << 20)
        self._reader = csv.reader(text)
        try:
            cells = next(self._reader)
        except StopIteration:
            raise FileRejected("the file has no header line") from None
        except csv.Error as exc:
            raise FileRejected(f"the CSV is malformed on line 1: {exc}") from None
        self._width = len(cells)
        self._header = read_header(cells)
        self.ignored = self._header.ignored

    def __iter__(self) -> Iterator[RawRow]:
        positions, previous = self._header.positions, self._reader.line_num
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                where = previous + 1
                raise FileRejected(f"the CSV is malformed near line {where}: {exc}") from None
            line, previous = previous + 1, self._reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            values = {name: cells[i] if i < len(cells) else None for name, i in positions.items()}
            row = RawRow(line, values)
            if any(cell.strip() for cell in cells[self._width:]):
                row.errors["row"] = [f"has {len(cells)} cells but the header has {self._width}"]
            yield row


class JsonRows:
    """Rows of a JSON file: a list of objects, or {"rows": [...]}; contacts may be a list."""

    def __init__(self, text: TextIO):
        try:
            document = json.load(text)
        except json.JSONDecodeError as exc:
            raise FileRejected(f"the JSON is not valid: {exc.msg} at line {exc.lineno} "
                               f"column {exc.colno}") from None
        rows = document.get("rows") if isinstance(document, dict) else document
        if not isinstance(rows, list):
            raise FileRejected('the JSON must be a list of rows or {"rows": [...]}')
        self._rows = rows
        self.count = len(rows)
        self.ignored: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[RawRow]:
        ignored: dict[str, None] = {}
        for position, item in enumerate(self._rows, start=1):
            if not isinstance(item, dict):
                yield RawRow(position, {}, {"row": ["must be an object"]})
                continue
            row = RawRow(position, {})
            for key, value in item.items():
                if key in CONTACT_LIST_KEYS:
                    _flatten_contacts(value, row)
                elif (name := canonical(key)) is not None:
                    row.values[name] = value
                else:
                    ignored[key] = None
            self.ignored = tuple(ignored)
            yield row


def _flatten_contacts(contacts: object, row: RawRow) -> None:
    if not isinstance(contacts, list) or not all(isinstance(c, dict) for c in contacts):
        row.errors["related_parties"] = ["must be a list of objects"]
        return
    if len(contacts) > MAX_CONTACTS:
        row.errors["related_parties"] = [f"at most {MAX_CONTACTS} related parties per row"]
        return
    for number, contact in enumerate(contacts, start=1):
        for key, value in contact.items():
            if key in CONTACT_KEYS:
                row.values[f"contact{number}_{CONTACT_KEYS[key]}"] = value

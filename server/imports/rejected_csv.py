"""An import's rejected rows as a CSV to fix in a spreadsheet: one line per problem."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from server.imports.report import ID_COLUMNS

HEADER = ("line", *ID_COLUMNS, "column", "problem")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # spreadsheets run such cells as formulas


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def rejected_rows_csv(rejected: Iterable[Mapping]) -> str:
    """CSV text (UTF-8 with a BOM, so Excel reads Chinese) of the rows and their problems."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rejected:
        ids = [_cell(row.get(name)) for name in ID_COLUMNS]
        for column, problems in sorted((row.get("errors") or {}).items()):
            for problem in problems if isinstance(problems, list) else [problems]:
                writer.writerow([row.get("line", ""), *ids, _cell(column), _cell(problem)])
    return out.getvalue()

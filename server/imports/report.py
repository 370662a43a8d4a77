"""What an import did: row counts, per-table counts, and the rejected rows with their errors."""

from __future__ import annotations

from collections import Counter

MAX_REJECTED_ROWS = 1000  # kept in the report; the count is always exact
MAX_CASE_IDS = 10000  # ids of created/changed cases kept in the report; the count is exact
ID_COLUMNS = ("case_id", "account_id", "debtor_id")


def shown(text: str) -> str:
    """Text from the file as the report (JSONB) can hold it: PostgreSQL refuses NUL."""
    return text.replace("\x00", "\ufffd")


class Report:
    """Accumulates outcomes while chunks are written."""

    def __init__(self) -> None:
        self.rows: Counter[str] = Counter()
        self.tables: dict[str, Counter[str]] = {}
        self.rejected_rows: list[dict] = []
        self.ignored_columns: tuple[str, ...] = ()
        self.cases: dict[str, dict[str, None]] = {"created": {}, "updated": {}}

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def reject(self, line: int, values: dict, errors: dict[str, list[str]]) -> None:
        """Count a rejected row; keep its ids and errors for the first MAX_REJECTED_ROWS."""
        self.rows["rejected"] += 1
        if len(self.rejected_rows) < MAX_REJECTED_ROWS:
            ids = {c: shown(str(values[c]).strip()[:64]) for c in ID_COLUMNS
                   if values.get(c) is not None}
            errors = {shown(column): [shown(m) for m in messages]
                      for column, messages in errors.items()}
            self.rejected_rows.append({"line": line, **ids, "errors": errors})

    def row(self, outcome: str) -> None:
        """Count one accepted row as created, updated or unchanged."""
        self.rows[outcome] += 1

    def table(self, name: str, outcome: str, count: int = 1) -> None:
        """Count rows of one table by outcome."""
        if count:
            self.tables.setdefault(name, Counter())[outcome] += count

    def case(self, case_id: str, outcome: str) -> None:
        """Note a case the import created or changed (a created one is never also updated)."""
        if outcome == "updated" and case_id in self.cases["created"]:
            return
        self.cases[outcome][case_id] = None

    def case_ids(self) -> dict:
        """The ids of the cases created and updated, each list cut at MAX_CASE_IDS."""
        out: dict = {}
        for outcome, ids in self.cases.items():
            out[outcome] = list(ids)[:MAX_CASE_IDS]
            out[f"{outcome}_omitted"] = max(len(ids) - MAX_CASE_IDS, 0)
        return out

    def counts(self) -> dict[str, int]:
        keys = ("created", "updated", "unchanged", "rejected")
        return {"total": self.total} | {key: self.rows[key] for key in keys}

    def as_dict(self) -> dict:
        """The JSON stored on the ImportRun."""
        return {
            "counts": self.counts(),
            "tables": {name: dict(counter) for name, counter in sorted(self.tables.items())},
            "rejected_rows": self.rejected_rows,
            "rejected_rows_omitted": self.rows["rejected"] - len(self.rejected_rows),
            "ignored_columns": [shown(column) for column in self.ignored_columns],
            "case_ids": self.case_ids(),
        }

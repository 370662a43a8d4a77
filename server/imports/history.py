"""Which import created or changed which account of a case, and its balance before and after:
one `import_changes` row per touched account line, written with the chunk's other rows."""

from __future__ import annotations

from server.imports.upsert import Job
from server.models import ImportChange, new_id, utcnow

OUTSTANDING = 2  # position of `outstanding` in an account as read and written: (id, *rules)


def plan_history(ctx, rows, read, accounts, case_ids: dict, touched: set[int],
                 jobs: list[Job]) -> None:
    """Queue the history rows of the chunk's admitted rows that created or changed something."""
    if ctx.run_id is None:
        return
    at, records = utcnow(), {}
    for row in rows:
        if row.line not in touched or row.account_id in records:
            continue
        before = read.accounts.get(row.account_id)
        after = accounts.written.get(row.account_id) or before
        records[row.account_id] = {
            "id": new_id(), "run_id": ctx.run_id, "case_id": case_ids[row.case_id],
            "account_id": accounts.ids[row.account_id],
            "outcome": "created" if before is None else "updated",
            "outstanding_before": None if before is None else before[OUTSTANDING],
            "outstanding_after": None if after is None else after[OUTSTANDING],
            "recorded_at": at}
    if records:
        jobs.append(Job(ImportChange.__table__, list(records.values()), []))

"""Violations: findings stored for compliance review, once per rule and fact (dedupe key)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.compliance.engine import Finding
from server.db.bulk import in_values, insert_rows
from server.errors import Conflict, NotFound
from server.models import Violation, new_id, utcnow

REVIEW_STATUSES = ("reviewed", "dismissed")
RESOLVED = "resolved"  # closed by the system: later facts no longer show the finding


@dataclass(frozen=True)
class ViolationContext:
    """Where the findings come from: the fact (table, id) and the case, visit and user."""

    fact_table: str
    fact_id: str
    case_id: str | None = None
    visit_id: str | None = None
    user_id: str | None = None
    profile: str | None = None


def dedupe_key(rule: str, context: ViolationContext) -> str:
    """One violation per rule per fact: `<rule>:<fact table>:<fact id>`."""
    return f"{rule}:{context.fact_table}:{context.fact_id}"


def violation_row(finding: Finding, context: ViolationContext, now: datetime) -> dict:
    """The stored form of one finding: an open violation with its dedupe key."""
    return {
        "id": new_id(), "rule": str(finding.rule), "severity": str(finding.severity),
        "case_id": context.case_id, "visit_id": context.visit_id,
        "user_id": context.user_id, "fact_table": context.fact_table,
        "fact_id": context.fact_id, "message": finding.message[:500],
        "detail": {**finding.to_dict()["details"], "profile": context.profile},
        "detected_at": now, "status": "open", "dedupe_key": dedupe_key(finding.rule, context),
    }


def record_violations(
    session: Session, findings: Sequence[Finding], context: ViolationContext,
    now: datetime | None = None,
) -> int:
    """Store each finding as an open violation unless that rule was already flagged on the fact."""
    now = now or utcnow()
    return store_violations(session, [violation_row(f, context, now) for f in findings])


def store_violations(session: Session, rows: Sequence[dict]) -> int:
    """Insert `violation_row`s in one statement, skipping keys already flagged; count the new.

    In dedupe-key order: two workers judging the same visit's history (the pair's two phones
    pushed at once) flag the same keys, and a unique index makes the second wait for the
    first's uncommitted key; inserting them in one order makes that a wait, never a deadlock.
    """
    rows = sorted(rows, key=lambda row: row["dedupe_key"])  # stable: a key's first row wins
    return len(insert_rows(session, Violation.__table__, rows, ignore_conflicts=True,
                           returning_ids=True, conflict=("dedupe_key",)))


def resolve_violations(session: Session, visit_ids: Sequence[str], rules: Sequence[str],
                       shown: set[tuple[str, str]], now: datetime) -> list[str]:
    """Close open violations of `rules` found on judged visits' outcomes that their facts no
    longer show (an override's violation, stored against no outcome, stays).

    Set-based: one SELECT per rule, reading only the visits that no longer show it (not the
    open findings that stay, which grow with a visit's history), one UPDATE; each closure is
    audited (no actor: the system).
    """
    rows = []
    for rule in rules:
        unshown = [v for v in visit_ids if (v, rule) not in shown]
        if unshown:
            rows += session.execute(select(Violation.id, Violation.visit_id, Violation.rule).where(
                in_values(session, Violation.visit_id, unshown), Violation.status == "open",
                Violation.rule == rule, Violation.fact_table == "visit_outcomes")).all()
    ids = [r.id for r in rows]
    if not ids:
        return []
    note = "no longer shown by the visit's facts (a later sync brought what was missing)"
    session.execute(update(Violation).where(Violation.id.in_(ids), Violation.status == "open")
                    .values(status=RESOLVED, reviewed_at=now, review_note=note)
                    .execution_options(synchronize_session=False))
    closed = set(ids)
    for r in rows:
        if r.id in closed:
            audit.record(session, None, "compliance.violation_resolved", "violation", r.id,
                         {"rule": r.rule, "visit_id": r.visit_id}, now)
    return ids


def violations_query(filters: dict) -> Select:
    """Violations matching the filters (rule, status, collector, case, from/to), newest first."""
    stmt = select(Violation).order_by(Violation.detected_at.desc(), Violation.id)
    for name, column in (("rule", Violation.rule), ("status", Violation.status),
                         ("collector_id", Violation.user_id), ("case_id", Violation.case_id)):
        if filters.get(name):
            stmt = stmt.where(column == filters[name])
    if filters.get("from"):
        stmt = stmt.where(Violation.detected_at >= filters["from"])
    if filters.get("to"):
        stmt = stmt.where(Violation.detected_at < filters["to"])
    return stmt


def review_violation(
    session: Session, violation_id: str, status: str, note: str, actor_id: str
) -> Violation:
    """Close an open violation as reviewed or dismissed, with a note; audited."""
    row = session.get(Violation, violation_id)
    if row is None:
        raise NotFound(f"no violation {violation_id!r}")
    if row.status != "open":
        raise Conflict(f"the violation was already {row.status}")
    row.status, row.review_note = status, note
    row.reviewed_by, row.reviewed_at = actor_id, utcnow()
    session.flush()
    audit.record(session, actor_id, "compliance.violation_reviewed", "violation", row.id,
                 {"status": status, "note": note, "rule": row.rule})
    return row

"""The promise monitor's floor: ONE set-based SQL statement that makes the monitor's decisions
and writes them (PostgreSQL).

It reads what the monitor reads (active, unflagged promises; each case's strictest terms over
its open placements; the debtor's home time zone; field payments and lender postings counted
once, as server/payments/counted.py) and writes what the monitor decides: kept / broken with
`status_changed_at`, the paid amount, one pending follow-up per broken promise (a call, or a
revisit when the promise was made during a visit). What the monitor does beyond it, and the
floor does not: change-feed notes for devices and one batch of compliance timing.

The terms per (jurisdiction, lender, agency) come from the same profile resolver the monitor
uses (a handful of rows, inlined as VALUES); everything per promise is in the statement.
`digest` fingerprints the promises' and follow-ups' state, so the bench asserts that the
floor and the monitor decided alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from server.compliance.effective import ProfileResolver
from server.compliance.inputs import DEFAULT_TZ

FLOOR = """
WITH terms (jurisdiction, lender_id, agency_key, grace, factor) AS (VALUES {terms}),
c AS (
  SELECT k.id AS case_id, coalesce(min(a.time_zone), %(tz)s) AS tz, max(t.grace) AS grace,
         min(t.factor) AS factor
  FROM cases k
  LEFT JOIN placements pl ON pl.case_id = k.id AND pl.returned_at IS NULL
  JOIN terms t ON t.jurisdiction = k.jurisdiction AND t.lender_id = k.lender_id
              AND t.agency_key = coalesce(pl.agency_id, '')
  LEFT JOIN addresses a ON a.party_id = k.debtor_id AND a.kind = 'home'
  WHERE k.id IN (SELECT case_id FROM payment_promises
                 WHERE status = 'active' AND review_flag IS NULL)
  GROUP BY k.id),
money AS (
  SELECT p.account_id, p.currency, p.amount, p.paid_at FROM payments p
  WHERE p.voided_at IS NULL AND p.review_flag IS NULL
    AND NOT EXISTS (SELECT 1 FROM lender_postings l WHERE l.matched_payment_id = p.id)
  UNION ALL
  SELECT account_id, currency, amount, paid_at FROM lender_postings
  WHERE kind = 'payment' AND reversed_at IS NULL AND account_id IS NOT NULL),
pc AS (
  SELECT pp.id, pp.case_id, pp.visit_id, pp.account_id, pp.currency, pp.recorded_at,
         round(pp.amount * c.factor, 2) AS threshold, pp.paid_amount AS paid_before,
         (pp.due_on + c.grace + 1)::timestamp AT TIME ZONE c.tz AS deadline_at
  FROM payment_promises pp JOIN c ON c.case_id = pp.case_id
  WHERE pp.status = 'active' AND pp.review_flag IS NULL),
j AS (
  SELECT pc.id, pc.case_id, pc.visit_id, pc.threshold, pc.paid_before, pc.deadline_at,
         coalesce(round(sum(m.amount), 2), 0) AS paid
  FROM pc LEFT JOIN money m ON m.account_id = pc.account_id AND m.currency = pc.currency
                           AND m.paid_at >= pc.recorded_at AND m.paid_at < pc.deadline_at
  GROUP BY pc.id, pc.case_id, pc.visit_id, pc.threshold, pc.paid_before, pc.deadline_at),
d AS (
  SELECT j.*, CASE WHEN paid >= threshold THEN 'kept'
                   WHEN deadline_at <= %(now)s THEN 'broken'
                   WHEN paid <> paid_before THEN 'progress' END AS decision
  FROM j),
upd AS (
  UPDATE payment_promises pp SET paid_amount = d.paid,
    status = CASE d.decision WHEN 'kept' THEN 'kept' WHEN 'broken' THEN 'broken'
                             ELSE pp.status END,
    status_changed_at = CASE WHEN d.decision IN ('kept', 'broken') THEN %(now)s
                             ELSE pp.status_changed_at END
  FROM d WHERE pp.id = d.id AND d.decision IS NOT NULL
  RETURNING d.decision),
fu AS (
  INSERT INTO follow_ups (id, case_id, visit_id, kind, due_at, reason, status, dedupe_key,
                          created_at, updated_at)
  SELECT replace(gen_random_uuid()::text, '-', ''), case_id, visit_id,
         CASE WHEN visit_id IS NULL THEN 'call' ELSE 'revisit' END, %(now)s,
         'payment promise broken', 'pending', 'broken:' || id, %(now)s, %(now)s
  FROM d WHERE decision = 'broken'
  ON CONFLICT (dedupe_key) DO NOTHING RETURNING 1)
SELECT (SELECT count(*) FROM upd WHERE decision = 'kept'),
       (SELECT count(*) FROM upd WHERE decision = 'broken'),
       (SELECT count(*) FROM upd WHERE decision = 'progress'),
       (SELECT count(*) FROM fu)
"""

DIGEST = """
SELECT (SELECT md5(string_agg(id || ':' || status || ':' || paid_amount::text || ':'
                              || coalesce(status_changed_at::text, ''), ',' ORDER BY id))
        FROM payment_promises),
       (SELECT md5(coalesce(string_agg(dedupe_key || ':' || kind || ':' || case_id || ':'
                                       || coalesce(visit_id, ''), ',' ORDER BY dedupe_key), ''))
        FROM follow_ups)
"""


def _terms(session: Session) -> tuple[str, list]:
    """The monitor's terms per (jurisdiction, lender, agency), as VALUES text and parameters."""
    combos = session.connection().exec_driver_sql(
        "SELECT DISTINCT k.jurisdiction, k.lender_id, coalesce(pl.agency_id, '')"
        " FROM payment_promises pp JOIN cases k ON k.id = pp.case_id"
        " LEFT JOIN placements pl ON pl.case_id = k.id AND pl.returned_at IS NULL"
        " WHERE pp.status = 'active' AND pp.review_flag IS NULL").all()
    resolver = ProfileResolver(session)
    params = []
    for jurisdiction, lender_id, agency in combos:
        profile = resolver.merged(jurisdiction, lender_id, [agency] if agency else [])
        params += [jurisdiction, lender_id, agency, profile.promise_grace_days,
                   1 - profile.promise_amount_tolerance]
    values = ", ".join(["(%s, %s, %s, %s::int, %s::numeric)"] * len(combos))
    return values, params


def run_floor(session: Session, now: datetime, default_tz: str = DEFAULT_TZ) -> dict:
    """The one statement (plus the terms' few rows read first); returns its counts."""
    values, params = _terms(session)
    if not params:
        return {"kept": 0, "broken": 0, "paid_progress": 0, "follow_ups": 0}
    sql = FLOOR.replace("{terms}", values).replace("%(tz)s", "%s").replace("%(now)s", "%s")
    # Positional parameters in the order they appear: the terms, the zone, then `now` (5x).
    kept, broken, progress, follow_ups = session.connection().exec_driver_sql(
        sql, tuple(params) + (default_tz,) + (now,) * 5).one()
    return {"kept": kept, "broken": broken, "paid_progress": progress, "follow_ups": follow_ups}


def digest(session: Session) -> tuple[str, str]:
    """A fingerprint of every promise's state and of the follow-ups (not their timing)."""
    return tuple(session.connection().exec_driver_sql(DIGEST).one())

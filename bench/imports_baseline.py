"""The raw baseline for bench.imports: psycopg COPY into staging tables, then set-based upserts.

No validation beyond what PostgreSQL does, no change feed, no report: the floor an import
service cannot beat on the same database.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from server.imports.rows import derived_party_id
from server.imports.values import relationship

NEW_ID = "replace(gen_random_uuid()::text, '-', '')"
STAGE = """
CREATE TEMP TABLE s_acc (case_id text, account_id text, debtor_id text, product text,
    principal numeric, outstanding numeric, overdue numeric, due_since date) ON COMMIT DROP;
CREATE TEMP TABLE s_party (external_id text, full_name text, national_id text) ON COMMIT DROP;
CREATE TEMP TABLE s_addr (debtor_id text, kind text, raw_text text) ON COMMIT DROP;
CREATE TEMP TABLE s_cp (party_id text, value text) ON COMMIT DROP;
CREATE TEMP TABLE s_rel (debtor_id text, party_id text, relationship text) ON COMMIT DROP;
"""
UPSERTS = (
    f"""INSERT INTO parties (id, lender_id, external_id, full_name, national_id, language,
        vulnerable, attorney_represented, preferred_windows, created_at, updated_at)
    SELECT {NEW_ID}, %(lender)s, external_id, full_name, national_id, 'zh-CN', false, false,
        '[]'::jsonb, now(), now() FROM s_party
    ON CONFLICT (lender_id, external_id) DO UPDATE SET full_name = excluded.full_name,
        national_id = coalesce(excluded.national_id, parties.national_id), updated_at = now()
    WHERE (parties.full_name, parties.national_id) IS DISTINCT FROM
        (excluded.full_name, coalesce(excluded.national_id, parties.national_id))""",
    f"""INSERT INTO cases (id, lender_id, external_id, debtor_id, status, priority, jurisdiction,
        dispute_open, opened_at, created_at, updated_at)
    SELECT DISTINCT ON (s.case_id) {NEW_ID}, %(lender)s, s.case_id, p.id, 'open', 0, 'CN',
        false, now(), now(), now()
    FROM s_acc s JOIN parties p ON p.lender_id = %(lender)s AND p.external_id = s.debtor_id
    ORDER BY s.case_id ON CONFLICT (lender_id, external_id) DO NOTHING""",
    f"""INSERT INTO party_relationships (id, debtor_id, party_id, relationship, debt_related)
    SELECT {NEW_ID}, d.id, p.id, s.relationship, s.relationship = 'guarantor' FROM s_rel s
    JOIN parties d ON d.lender_id = %(lender)s AND d.external_id = s.debtor_id
    JOIN parties p ON p.lender_id = %(lender)s AND p.external_id = s.party_id
    ON CONFLICT (debtor_id, party_id) DO UPDATE SET relationship = excluded.relationship
    WHERE party_relationships.relationship <> excluded.relationship""",
    f"""INSERT INTO addresses (id, party_id, kind, raw_text, verification_state, created_at,
        updated_at)
    SELECT {NEW_ID}, p.id, s.kind, s.raw_text, 'unverified', now(), now() FROM s_addr s
    JOIN parties p ON p.lender_id = %(lender)s AND p.external_id = s.debtor_id
    WHERE NOT EXISTS (SELECT 1 FROM addresses a WHERE a.party_id = p.id AND a.kind = s.kind
        AND a.raw_text = s.raw_text)""",
    f"""INSERT INTO contact_points (id, party_id, channel, value, valid, created_at, updated_at)
    SELECT {NEW_ID}, p.id, 'phone', s.value, true, now(), now() FROM s_cp s
    JOIN parties p ON p.lender_id = %(lender)s AND p.external_id = s.party_id
    WHERE NOT EXISTS (SELECT 1 FROM contact_points c WHERE c.party_id = p.id
        AND c.channel = 'phone' AND c.value = s.value)""",
)
ACCOUNTS = f"""WITH up AS (
    INSERT INTO accounts (id, lender_id, external_id, case_id, product, currency, principal,
        outstanding, overdue_amount, due_since, dpd, bucket, created_at, updated_at)
    SELECT {NEW_ID}, %(lender)s, s.account_id, c.id, s.product, 'CNY', s.principal,
        s.outstanding, s.overdue, s.due_since, d.dpd,
        CASE WHEN d.dpd = 0 THEN 'M0' WHEN d.dpd > 150 THEN 'M6+'
             ELSE 'M' || ceil(d.dpd / 30.0)::int END, now(), now()
    FROM s_acc s JOIN cases c ON c.lender_id = %(lender)s AND c.external_id = s.case_id
    CROSS JOIN LATERAL (SELECT greatest(0, current_date - s.due_since) AS dpd) d
    ON CONFLICT (lender_id, external_id) DO UPDATE SET principal = excluded.principal,
        outstanding = excluded.outstanding, overdue_amount = excluded.overdue_amount,
        due_since = excluded.due_since, dpd = excluded.dpd, bucket = excluded.bucket,
        product = excluded.product, updated_at = now()
    WHERE (accounts.principal, accounts.outstanding, accounts.overdue_amount, accounts.due_since,
           accounts.dpd, accounts.bucket, accounts.product) IS DISTINCT FROM
          (excluded.principal, excluded.outstanding, excluded.overdue_amount, excluded.due_since,
           excluded.dpd, excluded.bucket, excluded.product)
    RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up"""


def _stage(path: Path) -> dict[str, list[tuple]]:
    tables: dict[str, list] = {"s_acc": [], "s_party": {}, "s_addr": [], "s_cp": [], "s_rel": []}
    with path.open(newline="", encoding="utf-8") as source:
        for r in csv.DictReader(source):
            debtor = r["debtor_id"]
            tables["s_acc"].append((r["case_id"], r["account_id"], debtor, r["product"],
                                    r["principal"], r["outstanding"], r["overdue_amount"],
                                    r["due_since"]))
            tables["s_party"][debtor] = (debtor, r["name"], r["national_id"])
            for kind in ("home", "work"):
                if r[f"{kind}_address"]:
                    tables["s_addr"].append((debtor, kind, r[f"{kind}_address"]))
            tables["s_cp"].extend((debtor, p) for p in r["phones"].split(";") if p)
            for n in (1, 2):
                party = derived_party_id(debtor, r[f"contact{n}_name"])
                tables["s_party"].setdefault(party, (party, r[f"contact{n}_name"], None))
                tables["s_rel"].append((debtor, party, relationship(r[f"contact{n}_relationship"])))
                tables["s_cp"].append((party, r[f"contact{n}_phone"]))
    tables["s_party"] = list(tables["s_party"].values())
    for name in ("s_addr", "s_cp"):
        tables[name] = list(dict.fromkeys(tables[name]))
    # one relationship per (debtor, person), the first given, as the service keeps it
    tables["s_rel"] = list({(d, p): (d, p, kind) for d, p, kind in reversed(tables["s_rel"])}
                           .values())
    return tables


def load(url: str, path: Path, lender_code: str,
         server_cpu: Callable[[int], float | None] = lambda pid: None) -> tuple[float, dict]:
    """Stage the file with COPY and upsert it in one transaction; (seconds, account counts).

    `server_cpu(pid)` reads the CPU seconds the PostgreSQL backend has used, for the counts.
    """
    started = time.perf_counter()
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    tables = _stage(path)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cpu_before = server_cpu(conn.info.backend_pid)
        lender = cur.execute("SELECT id FROM agencies WHERE code = %s", (lender_code,)).fetchone()
        params = {"lender": lender[0]}
        cur.execute(STAGE)
        for name, rows in tables.items():
            with cur.copy(f"COPY {name} FROM STDIN") as copy:
                for values in rows:
                    copy.write_row(values)
        for statement in UPSERTS[:2]:
            cur.execute(statement, params)
        created, updated = cur.execute(ACCOUNTS, params).fetchone()
        for statement in UPSERTS[2:]:
            cur.execute(statement, params)
        conn.commit()
        cpu_after = server_cpu(conn.info.backend_pid)
    total = len(tables["s_acc"])
    counts = {"created": created, "updated": updated, "unchanged": total - created - updated,
              "rejected": 0, "server_cpu": None if cpu_before is None or cpu_after is None
              else cpu_after - cpu_before}
    return time.perf_counter() - started, counts

"""The load test, small: a few collectors live a short day against gunicorn + PostgreSQL.

Runs the same harness as `python -m bench.load` (bench/loadlib): demo collectors and extra
pairs made by the harness, a dispatcher moving visits between pairs, and the verification
against the database. PostgreSQL only (the harness serves with gunicorn on its own database).
"""

from __future__ import annotations

import pytest

from bench.load import Options, markdown, run

pytestmark = pytest.mark.slow


def test_a_short_day_stores_every_fact_exactly_once(pg_database_url):
    options = Options(collectors=8, demo_collectors=4, workers=2, threads=4, day_seconds=20,
                      minutes_per_sync=90, reassign_share=0.15, seed=3,
                      server_url=pg_database_url)
    report = run(options, log=lambda _message: None)
    checks = {c.name: c for c in report.checks}
    failed = [f"{c.name}: expected {c.expected}, got {c.got}" for c in report.checks if not c.ok]
    assert not failed, "\n".join([*failed, *report.failures, markdown(report)])
    assert checks["lost (created, not stored)"].got == "0"
    assert checks["duplicated (stored twice, or a row no phone created)"].got == "0"
    assert checks["HTTP errors (5xx, 429, unexpected 4xx, no answer)"].got == "0"
    assert checks["quarantine rows in the database"].got == "0"
    summary = report.summary
    assert summary["collectors"] == 8
    assert summary["facts"] >= 20 and summary["facts_by_table"]["visit_outcomes"] > 0
    assert summary["reassigned"].startswith(tuple(f"{n}/" for n in range(1, 100)))
    assert summary["tombstones_applied"] > 0
    assert report.latency["POST /api/v1/sync/push"]["count"] > 0

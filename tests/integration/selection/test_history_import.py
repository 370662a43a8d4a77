"""Importing a lender's collection history: per-row errors, encodings, re-imports add nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from server.errors import InvalidInput
from server.models import AuditEvent, HistoryEvent
from server.selection.history import HistoryFile, import_history
from tests.support import factories
from tests.support.api import bearer, login

GOOD = """case_id,kind,occurred_at,outcome,amount,balance,dpd,event_id
C-1,visit,2025-03-01 10:00,MET_DEBTOR,,,,e1
C-1,payment,2025-03-04,,1200.50,,,e2
C-1,snapshot,2025-03-01T00:00:00+08:00,,,8000,45,e3
C-2,call,2025-03-02 09:30,answered,,,,
C-2,promise,2025-03-02 09:31,broken,500,,,
"""
BAD = """case_id,kind,occurred_at,outcome,amount
C-3,visit,2025-03-01,NOT_A_CODE,
C-3,payment,2025-03-01,,
,call,yesterday,answered,
C-3,teleport,2025-03-01,,
C-3,reminder,2025-03-01,delivered,
"""


def _import(session, text: str, encoding="utf-8", lender=None):
    lender = lender or factories.agency(session, kind="lender")
    run = import_history(session, HistoryFile(io.BytesIO(text.encode(encoding)), "h.csv",
                                              lender.code))
    return lender, run


def test_good_rows_are_stored_once_and_a_second_import_adds_nothing(session):
    lender, run = _import(session, GOOD)
    assert run.report["counts"] == {"total": 5, "created": 5, "unchanged": 0, "rejected": 0}
    again = import_history(session, HistoryFile(io.BytesIO(GOOD.encode()), "h.csv", lender.code))
    assert again.report["counts"]["created"] == 0 and again.report["counts"]["unchanged"] == 5
    assert session.scalar(select(func.count()).select_from(HistoryEvent)) == 5
    paid = session.scalar(select(HistoryEvent).where(HistoryEvent.kind == "payment"))
    assert str(paid.amount) == "1200.50" and paid.case_ref == "C-1"
    # a day without a time is noon in the lender's zone (04:00 UTC)
    assert paid.occurred_at.hour == 4


def test_bad_rows_are_reported_by_line_and_column_like_the_case_import(session):
    _, run = _import(session, BAD)
    counts, rows = run.report["counts"], run.report["rejected_rows"]
    assert counts == {"total": 5, "created": 1, "unchanged": 0, "rejected": 4}
    by_line = {r["line"]: r for r in rows}
    assert "outcome" in by_line[2]["errors"]
    assert by_line[3]["errors"]["amount"] == ["a payment needs its amount"]
    assert set(by_line[4]["errors"]) == {"case_id", "occurred_at"}
    assert "kind" in by_line[5]["errors"] and by_line[5]["case_id"] == "C-3"


def test_a_gbk_file_with_chinese_headers_is_read(session):
    text = "案件编号,类型,时间,结果,金额\nC-9,还款,2025-01-02,,300\nC-9,上门,2025-01-01,NOT_HOME,\n"
    _, run = _import(session, text, encoding="gbk")
    assert run.encoding == "gb18030" and run.report["counts"]["created"] == 2
    kinds = set(session.scalars(select(HistoryEvent.kind)))
    assert kinds == {"payment", "visit"}


def test_a_file_without_the_required_columns_is_rejected_as_a_whole(session):
    with pytest.raises(InvalidInput) as caught:
        _import(session, "case_id,amount\nC-1,10\n")
    assert caught.value.errors == {"missing_columns": ["kind", "occurred_at"]}


def test_the_endpoint_imports_for_lender_ops_and_audits_it(app, client, session):
    lender = factories.agency(session, kind="lender")
    ops = factories.user(session, role="lender_ops", agency_code=lender.code)
    session.commit()
    headers = bearer(login(client, ops.username))
    answer = client.post("/api/v1/selection/history", headers=headers,
                         data={"file": (io.BytesIO(GOOD.encode()), "h.csv"),
                               "lender": lender.code}, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["counts"]["created"] == 5
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "history.import")) == 1
    missing = client.post("/api/v1/selection/history", headers=headers, data={},
                          content_type="multipart/form-data")
    assert missing.status_code == 422 and "file" in str(missing.get_json()["errors"])

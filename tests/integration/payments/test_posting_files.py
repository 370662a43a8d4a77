"""POST /lender/postings/files: a CSV of postings in UTF-8 or GBK, with the case import's
row-error report; set-based, so a file and the API agree on what a replay is."""

from __future__ import annotations

import io
from decimal import Decimal

from sqlalchemy import func, select

from server.extensions import db
from server.models import LenderPosting, PostingConflict
from tests.integration.payments.support import account, lender_world, posting

URL = "/api/v1/lender/postings/files"
HEADER = "交易流水号,账户编号,金额,交易时间,渠道,类型,原交易流水号,冲正原因\n"


def _upload(client, headers, text: str, encoding="utf-8", query=""):
    return client.post(URL + query, headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(text.encode(encoding)), "postings.csv")})


def test_a_gbk_file_is_applied_and_bad_rows_are_reported_by_line_and_field(app, client):
    w = lender_world(app, client)
    before = account(app, w.account_id).outstanding
    text = (HEADER
            + f"B1,{w.account_ref},100.00,2026-03-02 10:00:00,transfer,还款,,\n"
            + f"B2,{w.account_ref},abc,2026-03-02 10:00:00,transfer,还款,,\n"
            + "B3,不存在的账户,50.00,2026-03-02,app,还款,,\n"
            + f"B4,{w.account_ref},100.00,2026-03-03 09:00:00,deduction,冲正,B1,nsf\n")
    response = _upload(client, w.ops, text, "gbk")
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["rows"], report["applied"], report["unmatched"], report["rejected"]) == (
        4, 2, 1, 1)
    assert report["encoding"] == "gb18030"
    assert report["rejected_rows"] == [{"line": 3, "txn_id": "B2", "errors": {
        "amount": ["a positive amount with at most 2 decimals, e.g. 500.00"]}}]
    assert account(app, w.account_id).outstanding == before  # paid, then reversed


def test_a_file_repeating_api_postings_is_a_replay_and_a_changed_row_a_conflict(app, client):
    w = lender_world(app, client)
    client.post("/api/v1/lender/postings", headers=w.client,
                json=posting("T1", w.account_ref, "200.00", paid_at="2026-03-02T10:00:00+08:00"))
    balance = account(app, w.account_id).outstanding
    text = ("txn_id,account_id,amount,paid_at,channel\n"
            f"T1,{w.account_ref},200.00,2026-03-02T10:00:00+08:00,transfer\n"
            f"T1,{w.account_ref},999.00,2026-03-02T10:00:00+08:00,transfer\n"
            f"T2,{w.account_ref},50.00,2026-03-02T11:00:00+08:00,transfer\n"
            f"T2,{w.account_ref},50.00,2026-03-02T11:00:00+08:00,transfer\n")
    report = _upload(client, w.client, text).get_json()
    assert (report["applied"], report["replayed"], report["conflicts"]) == (1, 2, 1)
    assert report["conflicting_txn_ids"] == ["T1"]
    assert account(app, w.account_id).outstanding == balance - Decimal("50.00")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LenderPosting)) == 2
        assert db.session.scalar(select(PostingConflict.body))["amount"] == "999.00"


def test_a_file_without_the_required_columns_or_not_text_is_refused_whole(app, client):
    w = lender_world(app, client)
    missing = _upload(client, w.ops, "txn_id,account_id\nT1,A\n")
    assert missing.status_code == 422 and "header" in missing.get_json()["errors"]
    binary = client.post(URL, headers=w.ops, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(b"PK\x03\x04rest"), "p.xlsx")})
    assert binary.status_code == 422 and "file" in binary.get_json()["errors"]


def test_admins_name_the_lender_and_the_cli_imports_the_same_file(app, client, runner,
                                                                 tmp_path):
    w = lender_world(app, client)
    text = f"txn_id,account_id,amount,paid_at\nC1,{w.account_ref},10.00,2026-03-02\n"
    assert _upload(client, w.admin, text).status_code == 422
    assert _upload(client, w.admin, text, query=f"?lender={w.code}").get_json()["applied"] == 1
    path = tmp_path / "p.csv"
    path.write_text(text.replace("C1", "C2"), encoding="utf-8")
    result = runner.invoke(args=["postings", "import", str(path), "--lender", w.code])
    assert result.exit_code == 0, result.output
    assert "applied=1" in result.output


def test_the_same_file_twice_changes_nothing_the_second_time(app, client):
    w = lender_world(app, client)
    text = "txn_id,account_id,amount,paid_at\n" + "".join(
        f"F{i},{w.account_ref},1{i}.00,2026-03-0{i + 1}\n" for i in range(5))
    first = _upload(client, w.client, text).get_json()
    balance = account(app, w.account_id).outstanding
    second = _upload(client, w.client, text).get_json()
    assert (first["applied"], second["applied"], second["replayed"]) == (5, 0, 5)
    assert account(app, w.account_id).outstanding == balance

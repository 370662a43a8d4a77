"""/api/v1/imports: upload a file or post rows as JSON; reports can be fetched again."""

from __future__ import annotations

import hashlib
import io
import json

from sqlalchemy import select

from server.extensions import db
from server.models import Account
from tests.integration.imports.support import counts, make_lender
from tests.support import factories
from tests.support.api import bearer, login
from tests.unit.imports.support import csv_text, row

FILE = csv_text([row(1), row(2, outstanding="oops"), row(3)]).encode("gbk")


def _token(app, client, role: str = "lender_ops") -> dict:
    with app.app_context():
        make_lender()
        name = factories.user(db.session, role=role).username
        db.session.commit()
    return bearer(login(client, name))


def _upload(client, headers, data: bytes = FILE, name: str = "cases.csv", query: str = "",
            **form):
    return client.post(f"/api/v1/imports{query}", headers=headers,
                       data={"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


def test_lender_ops_upload_a_gbk_file_and_get_the_report(app, client):
    response = _upload(client, _token(app, client), lender="LND")
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["counts"] == {"total": 3, "created": 2, "updated": 0, "unchanged": 0,
                                "rejected": 1}
    assert (report["encoding"], report["file_format"], report["lender"]) == (
        "gb18030", "csv", "LND")
    assert report["file_sha256"] == hashlib.sha256(FILE).hexdigest()
    assert report["rejected_rows"] == [{"line": 3, "case_id": "C2", "account_id": "A2",
                                        "debtor_id": "D2",
                                        "errors": {"outstanding": ["'oops' is not a number"]}}]
    assert report["username"] and report["source"] == "api"


def test_rows_can_be_posted_as_a_json_body(app, client):
    body = {"rows": [row(1, related_parties=[{"name": "李四", "relationship": "spouse",
                                               "phone": "13900139000"}])]}
    response = client.post("/api/v1/imports?lender=LND", json=body,
                           headers=_token(app, client, "admin"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["counts"]["created"] == 1
    with app.app_context():
        assert counts()["relationships"] == 1


def test_a_dry_run_reports_without_writing(app, client):
    response = _upload(client, _token(app, client), query="?dry_run=true")
    assert response.get_json()["dry_run"] is True
    with app.app_context():
        assert db.session.scalar(select(Account.id)) is None


def test_a_collector_may_not_import(app, client):
    response = _upload(client, _token(app, client, "collector"))
    assert response.status_code == 403


def test_a_utf16_file_is_422_with_the_reason(app, client):
    response = _upload(client, _token(app, client), data=FILE.decode("gbk").encode("utf-16"))
    assert response.status_code == 422
    assert "UTF-16" in response.get_json()["message"]


def test_random_bytes_are_422(app, client):
    response = _upload(client, _token(app, client), data=bytes(range(256)) * 8)
    assert response.status_code == 422
    assert "cannot be read" in response.get_json()["message"]


def test_missing_columns_are_422_naming_them(app, client):
    response = _upload(client, _token(app, client), data=b"case_id,name\nC1,x\n")
    body = response.get_json()
    assert response.status_code == 422
    assert body["errors"]["missing_columns"] == [
        "account_id", "debtor_id", "principal", "outstanding"]
    assert "principal" in body["message"]


def test_a_request_without_a_file_is_422(app, client):
    response = client.post("/api/v1/imports", headers=_token(app, client), data={"lender": "LND"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["file"] == ["Missing data for required field."]


def test_an_unknown_lender_is_422(app, client):
    response = _upload(client, _token(app, client), lender="NOPE")
    assert response.status_code == 422
    assert response.get_json()["errors"]["lender"] == ["no lender has the code 'NOPE'"]


def test_reports_are_listed_newest_first_and_fetched_again(app, client):
    headers = _token(app, client)
    first = _upload(client, headers).get_json()
    rejected = _upload(client, headers, data=b"\xff\xfe\x00").get_json()
    listing = client.get("/api/v1/imports?page_size=10", headers=headers)
    assert listing.status_code == 200
    runs = listing.get_json()
    assert [r["status"] for r in runs] == ["rejected", "completed"]
    assert json.loads(listing.headers["X-Pagination"])["total"] == 2
    assert "rejected_rows" not in runs[0]
    again = client.get(f"/api/v1/imports/{first['id']}", headers=headers).get_json()
    assert again["rejected_rows"] == first["rejected_rows"]
    failed = client.get(f"/api/v1/imports/{rejected['errors']['import_id']}", headers=headers)
    assert "UTF-16" in failed.get_json()["error"]["message"]


def test_an_unknown_report_is_404(app, client):
    response = client.get("/api/v1/imports/nope", headers=_token(app, client))
    assert response.status_code == 404

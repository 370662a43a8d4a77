"""The device: log in, record facts offline into the outbox, sync (push, then pull).

Every fact gets its id on the device (uuid4 hex) and its `recorded_at` from the device clock.
A push is first written down as a *batch* (its exact body and an Idempotency-Key) and only
then sent; until the server answers, every retry (in this process or after a restart) sends
that same batch, so a lost answer can never create a second row on the server.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from client_stub.retry import RetryPolicy
from client_stub.store import ACKED, PENDING, REJECTED, SENDING, LocalStore, now_ms
from client_stub.transport import RequestsTransport, Response, Transport, TransportError

SCHEMA_VERSION = 1
DEFAULT_HOME = Path(os.environ.get("DOORSTEP_STUB_HOME", "~/.doorstep-stub")).expanduser()
PUSH_BATCH_ROWS = 1000  # well under the server's MAX_PUSH_ROWS (5,000)
FACT_TABLES = ("check_ins", "visit_outcomes", "visit_notes", "payment_promises", "payments",
               "consents", "address_reports", "attachments")


class SyncError(Exception):
    """The server refused a request in a way a retry cannot fix."""

    def __init__(self, message: str, response: Response | None = None):
        super().__init__(message)
        self.response = response
        self.status = response.status if response is not None else None


@dataclass
class SyncResult:
    pushed: int = 0  # facts acknowledged (stored, or already there)
    rejected: int = 0  # facts in experimentalRejectedIds (quarantined on the server)
    upserted: int = 0  # rows created/updated locally by the pull
    deleted: int = 0  # rows dropped locally (tombstones)
    conflicts: int = 0  # 409 answers (pulled and pushed again)
    rejected_ids: dict = field(default_factory=dict)
    timestamp: int | None = None


def _json_object(response: Response) -> bool:
    try:
        return isinstance(response.json(), dict)
    except ValueError:  # not JSON, or not UTF-8 (UnicodeDecodeError is a ValueError)
        return False


def money(value) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class DoorstepClient:
    def __init__(self, home: str | Path = DEFAULT_HOME, transport: Transport | None = None,
                 retry: RetryPolicy | None = None, clock: Callable[[], int] = now_ms,
                 new_id: Callable[[], str] = lambda: uuid.uuid4().hex):
        self.home = Path(home).expanduser()
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.store = LocalStore(self.home / "device.sqlite3")
        self.transport = transport or RequestsTransport()
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self.new_id = new_id

    def close(self) -> None:
        self.store.close()

    # --- HTTP -------------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        server = self.store.get("server")
        if not server:
            raise SyncError("not logged in: run `login` first")
        return server.rstrip("/") + path

    def _request(self, method: str, path: str, *, params=None, json_body=None, data=None,
                 headers=None, auth=True, answer_json=False) -> Response:
        """One request, retried by the policy. `answer_json`: a 2xx must carry a JSON object;
        one that does not was cut short (the server died while writing it) and is retried."""
        body = data
        extra = dict(headers or {})
        if json_body is not None:
            body = (json_body if isinstance(json_body, bytes)
                    else json.dumps(json_body, ensure_ascii=False).encode("utf-8"))
            extra.setdefault("Content-Type", "application/json")
        url = self._url(path)

        def send() -> Response:
            hdrs = {"Accept-Encoding": "gzip", **extra}
            if auth:
                hdrs["Authorization"] = f"Bearer {self.store.get('token')}"
                hdrs["X-Device-Id"] = self.store.get("device_id")
                hdrs["X-Device-Time"] = str(self.clock())  # fresh on every attempt
            response = self.transport.request(method, url, headers=hdrs, params=params,
                                              body=body)
            if answer_json and response.ok and not _json_object(response):
                raise TransportError(f"{method} {path}: HTTP {response.status} with a body cut "
                                     f"short ({len(response.body)} bytes)")
            return response

        return self.retry.call(send)

    @staticmethod
    def _fail(what: str, response: Response) -> SyncError:
        try:
            message = (response.json() or {}).get("message", "")
        except ValueError:
            message = response.body[:200].decode("utf-8", "replace")
        return SyncError(f"{what}: HTTP {response.status} {message}", response)

    # --- login ------------------------------------------------------------------------------
    def login(self, server: str, username: str, password: str, device_id: str) -> None:
        self.store.set(server=server.rstrip("/"))
        response = self._request("POST", "/api/v1/auth/tokens", auth=False, answer_json=True,
                                 json_body={"username": username, "password": password,
                                            "device_id": device_id})
        if response.status != 201:
            raise self._fail("login failed", response)
        self.store.set(token=response.json()["token"], device_id=device_id, username=username)

    # --- recording facts (offline) ----------------------------------------------------------
    def record(self, table: str, values: dict, blob_path: str | None = None) -> dict:
        if table not in FACT_TABLES:
            raise ValueError(f"{table} is not a fact table")
        row = {"id": self.new_id(), **{k: v for k, v in values.items() if v is not None},
               "recorded_at": values.get("recorded_at") or self.clock()}
        return self.store.add_fact(table, row, blob_path)

    def _visit(self, visit_id: str) -> dict:
        visit = self.store.row("visits", visit_id)
        if visit is None:
            raise ValueError(f"visit {visit_id} is not on this device (sync first)")
        return visit

    def _account_of(self, case_id: str) -> str:
        accounts = sorted(self.store.rows("accounts", case_id=case_id), key=lambda a: a["id"])
        if not accounts:
            raise ValueError(f"no account of case {case_id} on this device")
        return accounts[0]["id"]

    def check_in(self, visit_id, lat=None, lng=None, accuracy=None, kind="in") -> dict:
        if lat is None or lng is None:
            address = self.store.row("addresses", self._visit(visit_id)["address_id"]) or {}
            lat, lng = address.get("lat"), address.get("lng")
            if lat is None or lng is None:
                raise ValueError("no position: pass --lat and --lng")
        return self.record("check_ins", {"visit_id": visit_id, "kind": kind, "lat": float(lat),
                                         "lng": float(lng), "accuracy_m": accuracy})

    def outcome(self, visit_id, code, note=None, discussed_debt=False, party_met_id=None):
        return self.record("visit_outcomes", {
            "visit_id": visit_id, "code": code, "note": note, "discussed_debt": discussed_debt,
            "recording_made": False, "party_met_id": party_met_id})

    def note(self, visit_id, body) -> dict:
        return self.record("visit_notes", {"visit_id": visit_id, "body": body})

    def promise(self, visit_id, amount, due, account_id=None, currency="CNY") -> dict:
        case_id = self._visit(visit_id)["case_id"]
        return self.record("payment_promises", {
            "visit_id": visit_id, "case_id": case_id,
            "account_id": account_id or self._account_of(case_id), "amount": money(amount),
            "currency": currency, "due_on": str(due)})

    def payment(self, visit_id, amount, method="cash", receipt_no=None, paid_at=None,
                account_id=None, currency="CNY") -> dict:
        case_id = self._visit(visit_id)["case_id"]
        return self.record("payments", {
            "visit_id": visit_id, "case_id": case_id,
            "account_id": account_id or self._account_of(case_id), "amount": money(amount),
            "currency": currency, "method": method, "receipt_no": receipt_no,
            "paid_at": paid_at or self.clock()})

    def consent(self, visit_id, kind="recording", method="verbal_recorded", party_id=None,
                consent_text_id=None) -> dict:
        visit = self._visit(visit_id)
        case = self.store.row("cases", visit["case_id"]) or {}
        texts = sorted(self.store.rows("consent_texts"), key=lambda t: (t["code"], t["version"]))
        if consent_text_id is None:
            matching = [t for t in texts if t["kind"] == kind] or texts
            if not matching:
                raise ValueError("no consent text on this device: pass --text")
            consent_text_id = matching[-1]["id"]
        now = self.clock()
        return self.record("consents", {
            "visit_id": visit_id, "case_id": visit["case_id"],
            "party_id": party_id or case.get("debtor_id"), "consent_text_id": consent_text_id,
            "kind": kind, "method": method, "granted_at": now})

    def address_report(self, visit_id, kind="coordinates", lat=None, lng=None, note=None):
        visit = self._visit(visit_id)
        return self.record("address_reports", {
            "visit_id": visit_id, "address_id": visit["address_id"], "kind": kind, "lat": lat,
            "lng": lng, "note": note})

    def photo(self, visit_id, data: bytes, content_type="image/jpeg", kind="photo") -> dict:
        """Keep the file on the device; it is uploaded (PUT by hash) before its fact is pushed."""
        sha = hashlib.sha256(data).hexdigest()
        blobs = self.home / "blobs"
        blobs.mkdir(exist_ok=True)
        path = blobs / sha
        if not path.exists():
            path.write_bytes(data)
        return self.record("attachments", {"visit_id": visit_id, "sha256": sha, "kind": kind,
                                           "content_type": content_type}, blob_path=str(path))

    # --- sync -------------------------------------------------------------------------------
    def sync(self) -> SyncResult:
        """Push the outbox, then pull. Safe to call again after any failure."""
        result = SyncResult()
        self.push(result)
        self.pull(result)
        self.store.set(last_sync_at=self.clock())
        return result

    def push(self, result: SyncResult | None = None, max_conflicts: int = 3) -> SyncResult:
        result = result or SyncResult()
        while True:
            batch = self.store.open_batch() or self.store.make_batch(
                self.new_id, self.store.get("last_pulled_at"), PUSH_BATCH_ROWS)
            if batch is None:
                return result
            self._upload(batch["key"])
            params = ({"last_pulled_at": batch["last_pulled_at"]}
                      if batch["last_pulled_at"] is not None else None)
            response = self._request("POST", "/api/v1/sync/push", params=params,
                                     json_body=batch["body"].encode("utf-8"),
                                     headers={"Idempotency-Key": batch["key"]},
                                     answer_json=True)
            if response.status == 409 and result.conflicts < max_conflicts:
                # Something we update changed on the server: pull, then push a new batch.
                result.conflicts += 1
                self.store.abandon_batch(batch["key"])
                self.pull(result)
                continue
            if response.status != 200:
                raise self._fail("push refused", response)
            rejected = response.json().get("experimentalRejectedIds") or {}
            counts = self.store.close_batch(batch["key"], rejected)
            result.pushed += counts[ACKED]
            result.rejected += counts[REJECTED]
            for table, row_ids in rejected.items():
                result.rejected_ids.setdefault(table, []).extend(row_ids)

    def _upload(self, batch_key: str) -> None:
        for path, visit_id in sorted(set(self.store.batch_blobs(batch_key))):
            data = Path(path).read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            response = self._request("PUT", f"/api/v1/attachments/{sha}", data=data,
                                     params={"visit_id": visit_id},
                                     headers={"Content-Type": "application/octet-stream"})
            if response.status not in (200, 201):
                raise self._fail(f"upload of {sha} refused", response)

    def pull(self, result: SyncResult | None = None, limit: int | None = None) -> SyncResult:
        """Pull until the server has nothing more (pages of a first sync when `limit` is set)."""
        result = result or SyncResult()
        while True:
            last = self.store.get("last_pulled_at")
            params = {"last_pulled_at": "" if last is None else last,
                      "schema_version": SCHEMA_VERSION}
            if limit and (last is None or self.store.get("paging")):
                params["limit"] = limit
            response = self._request("GET", "/api/v1/sync/pull", params=params,
                                     answer_json=True)
            if response.status != 200:
                raise self._fail("pull refused", response)
            body = response.json()
            with self.store.transaction():
                counts = self.store.apply_changes(body["changes"])
                self.store.set(last_pulled_at=body["timestamp"],
                               paging=bool(body.get("has_more")))
            result.upserted += counts["upserted"]
            result.deleted += counts["deleted"]
            result.timestamp = body["timestamp"]
            if not body.get("has_more"):
                return result

    # --- reading ----------------------------------------------------------------------------
    def route(self, on: str | None = None) -> list[dict]:
        """Today's stops (or `on`'s) in visiting order, with what a collector needs at the door."""
        day = on or date.today().isoformat()
        plans = [p for p in self.store.rows("route_plans") if p.get("plan_date") == day]
        if not plans and on is None:
            plans = self.store.rows("route_plans")  # the server only sends "today" anyway
        stops = []
        for plan in plans:
            for stop in self.store.rows("route_stops", plan_id=plan["id"]):
                visit = self.store.row("visits", stop["visit_id"]) or {}
                address = self.store.row("addresses", visit.get("address_id") or "") or {}
                case = self.store.row("cases", visit.get("case_id") or "") or {}
                party = self.store.row("parties", case.get("debtor_id") or "") or {}
                stops.append({"position": stop["position"], "visit_id": stop["visit_id"],
                              "eta": stop.get("eta"), "status": visit.get("status"),
                              "debtor": party.get("full_name"),
                              "address": address.get("raw_text"), "plan_date": plan["plan_date"]})
        return sorted(stops, key=lambda s: (s["plan_date"], s["position"]))

    def status(self) -> dict:
        counts = self.store.counts()
        return {"server": self.store.get("server"), "username": self.store.get("username"),
                "device_id": self.store.get("device_id"),
                "outbox": counts[PENDING] + counts[SENDING], "acknowledged": counts[ACKED],
                "rejected": [{"table": r["table_name"], "id": r["id"]}
                             for r in self.store.outbox(REJECTED)],
                "last_sync_at": self.store.get("last_sync_at"),
                "last_pulled_at": self.store.get("last_pulled_at")}

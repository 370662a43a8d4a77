"""A collector's day, offline: sync, walk the route recording facts, come back, sync.

Reusable by load tests: `simulate_day(base_url, username, password, device_id, seed=…)` runs
one phone against a live server and returns counts of facts created / acknowledged /
rejected. Behaviour (outcome codes, which extras are recorded) is reproducible per seed;
ids are not (uuid4 from the OS), so many simulated phones never collide.
"""

from __future__ import annotations

import random
import tempfile
from datetime import date, timedelta
from pathlib import Path

from client_stub.client import DoorstepClient
from client_stub.retry import RetryPolicy
from client_stub.transport import Transport

OPEN_STATUSES = ("planned", "assigned", "in_progress")
CODES = ("NOT_HOME", "MET_DEBTOR", "PROMISED", "REFUSED", "THIRD_PARTY_MET")


def simulate_day(base_url: str, username: str, password: str, device_id: str, seed: int = 0, *,
                 home: str | Path | None = None, transport: Transport | None = None,
                 retry: RetryPolicy | None = None, promise_rate: float = 0.4,
                 consent_rate: float = 0.3, photo_rate: float = 0.3, payment_rate: float = 0.15,
                 address_report_rate: float = 0.1, max_visits: int | None = None) -> dict:
    """Run one day; returns {"visits", "created", "acknowledged", "rejected", "by_table",
    "uploads", "pulled", "deleted"}."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="doorstep-sim-") as scratch:
        client = DoorstepClient(home or scratch, transport=transport,
                                retry=retry or RetryPolicy(rng=random.Random(seed)))
        try:
            client.login(base_url, username, password, device_id)
            first = client.sync()  # morning: the day's cases, route and rules
            visits = _todays_visits(client)
            if max_visits is not None:
                visits = visits[:max_visits]
            by_table: dict[str, int] = {}

            def note(row_table: str) -> None:
                by_table[row_table] = by_table.get(row_table, 0) + 1

            # offline from here on: nothing but the local store
            for visit in visits:
                vid = visit["id"]
                client.check_in(vid, accuracy=round(rng.uniform(3, 30), 1))
                note("check_ins")
                code = rng.choice(CODES)
                client.note(vid, f"visited ({code.lower()}), seed {seed}")
                note("visit_notes")
                if code in ("MET_DEBTOR", "PROMISED") and rng.random() < consent_rate and \
                        client.store.rows("consent_texts"):
                    client.consent(vid)
                    note("consents")
                if code == "PROMISED" or rng.random() < promise_rate:
                    due = date.today() + timedelta(days=rng.randint(3, 30))
                    client.promise(vid, rng.randint(2, 80) * 100, due.isoformat())
                    note("payment_promises")
                if rng.random() < payment_rate:
                    client.payment(vid, rng.randint(1, 20) * 50, rng.choice(("cash", "qr")),
                                   receipt_no=f"R-{client.new_id()[:16]}")
                    note("payments")
                if rng.random() < address_report_rate:
                    client.address_report(vid, "coordinates", lat=31.23 + rng.random() / 100,
                                          lng=121.47 + rng.random() / 100,
                                          note="the gate is round the back")
                    note("address_reports")
                if rng.random() < photo_rate:
                    client.photo(vid, f"photo of {vid} seed {seed} {rng.random()}".encode())
                    note("attachments")
                client.outcome(vid, code, discussed_debt=code in ("MET_DEBTOR", "PROMISED"))
                note("visit_outcomes")
            created = sum(by_table.values())
            evening = client.sync()  # back online
            return {"visits": len(visits), "created": created,
                    "acknowledged": evening.pushed, "rejected": evening.rejected,
                    "rejected_ids": evening.rejected_ids, "by_table": by_table,
                    "uploads": by_table.get("attachments", 0),
                    "pulled": first.upserted + evening.upserted,
                    "deleted": first.deleted + evening.deleted}
        finally:
            client.close()


def _todays_visits(client: DoorstepClient) -> list[dict]:
    """The route's order when there is a route, else every open visit on the device."""
    ordered = [client.store.row("visits", s["visit_id"]) for s in client.route()]
    ordered = [v for v in ordered if v and v.get("status") in OPEN_STATUSES]
    seen = {v["id"] for v in ordered}
    rest = sorted((v for v in client.store.rows("visits")
                   if v["id"] not in seen and v.get("status") in OPEN_STATUSES),
                  key=lambda v: (v.get("scheduled_on") or "", v["id"]))
    return ordered + rest

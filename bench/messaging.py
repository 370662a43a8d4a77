"""Delivery benchmark on PostgreSQL: queued messages drained through the fake provider.

Run `python -m bench.messaging [--sizes 10000,100000] [--provider memory|twilio-http]` with
TEST_DATABASE_URL (or DATABASE_URL) pointing at a PostgreSQL server. Each size runs in its own
process on a throwaway database: n debtors (one home address in Shanghai, one mobile number),
one due SMS each, then the delivery service (claim, rules at send time, templates, send on 4
threads, outcomes + ledger) until the outbox is empty. Beside it, the floor: the same provider
sending the same number of messages on the same threads with no database at all. Peak RSS per
size shows whether memory stays bounded. Writes docs/messaging_bench_results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.pgdb import throwaway_database
from server.compliance.profile_store import seed_profiles
from server.config import normalise_database_url
from server.messaging.delivery import Delivery, DeliverySettings, deliver_outbox
from server.messaging.gateway import Gateway, Outgoing, SendResult
from server.models import Base, ContactAttempt, OutboxMessage

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: inside the allowed hours
RESULTS = Path(__file__).resolve().parent.parent / "docs" / "messaging_bench_results.md"
GENERATE = [
    "INSERT INTO agencies (id, code, name, kind, jurisdiction, created_at, updated_at) "
    "VALUES ('L', 'L', 'Lender', 'lender', 'CN', now(), now())",
    "INSERT INTO parties (id, lender_id, full_name, language, vulnerable, attorney_represented,"
    " preferred_windows, created_at, updated_at) SELECT 'p'||g, 'L', 'debtor '||g, 'zh-CN',"
    " false, false, '[]', now(), now() FROM generate_series(1, :n) g",
    "INSERT INTO cases (id, lender_id, external_id, debtor_id, status, priority, jurisdiction,"
    " dispute_open, hardship, opened_at, created_at, updated_at) SELECT 'c'||g, 'L', 'c'||g,"
    " 'p'||g, 'open', 0, 'CN', false, false, now(), now(), now() FROM generate_series(1, :n) g",
    "INSERT INTO addresses (id, party_id, kind, raw_text, verification_state, time_zone,"
    " created_at, updated_at) SELECT 'a'||g, 'p'||g, 'home', 'addr', 'geocoded',"
    " 'Asia/Shanghai', now(), now() FROM generate_series(1, :n) g",
    "INSERT INTO contact_points (id, party_id, channel, value, valid, created_at, updated_at)"
    " SELECT 'cp'||g, 'p'||g, 'phone', (13800000000 + g)::text, true, now(), now()"
    " FROM generate_series(1, :n) g",
    "INSERT INTO outbox_messages (id, case_id, channel, recipient, template, body, due_at,"
    " status, dedupe_key, params, attempts) SELECT 'm'||g, 'c'||g, 'sms',"
    " (13800000000 + g)::text, 'ptp_reminder', '您好，提醒您明天有一项约定的事项。',"
    " timestamptz '2026-03-10 01:00+00' + (g % 60) * interval '1 second', 'pending', 'm'||g,"
    " jsonb_build_object('date', '2026-03-11'), 0 FROM generate_series(1, :n) g",
]


class MemoryProvider:
    """The fake provider: takes every message, keeps only a count (an ideal, instant SMS API)."""

    name, channel, idempotent = "memory", "sms", True

    def __init__(self):
        self.count = 0

    def send(self, message: Outgoing) -> SendResult:
        self.count += 1
        return SendResult(f"ref-{message.message_id}")


def _provider(kind: str, fake_url: str | None):
    if kind == "memory":
        return MemoryProvider()
    from server.messaging.twilio_sms import TwilioSms

    return TwilioSms("AC" + "0" * 32, "token", "+15005550006", fake_url)


def floor(provider, n: int, concurrency: int, chunk: int) -> float:
    """Seconds for the provider alone to take n messages on the same threads, in chunks."""
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for start in range(0, n, chunk):  # built per chunk, as the delivery run does
            messages = [Outgoing(f"floor-{k}", "sms", str(13800000000 + k), "您好")
                        for k in range(start, min(n, start + chunk))]
            list(pool.map(provider.send, messages))
    return time.perf_counter() - started


def one_size(server_url: str, n: int, kind: str, fake_url: str | None) -> dict:
    """Generate n due messages, drain them, measure; runs in a process of its own."""
    with throwaway_database(server_url, "doorstep_bench_msg") as url:
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        with engine.begin() as conn:
            for statement in GENERATE:
                conn.execute(text(statement), {"n": n})
        with Session(engine) as session:
            seed_profiles(session)
            session.commit()
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        settings = DeliverySettings(batch_size=2000, max_batches=10_000, chunk=500,
                                    concurrency=4, daily_cap=3)
        provider = _provider(kind, fake_url)
        run = Delivery(Gateway({"sms": provider}), settings, {}, clock=lambda: NOW)
        started = time.perf_counter()
        counts = deliver_outbox(sessionmaker(bind=engine), run)
        seconds = time.perf_counter() - started
        with Session(engine) as session:
            sent = session.scalar(select(func.count()).where(OutboxMessage.status == "sent"))
            ledger = session.scalar(select(func.count()).select_from(ContactAttempt))
        engine.dispose()
    floor_s = floor(_provider(kind, fake_url), n, settings.concurrency, settings.chunk)
    return {"n": n, "provider": kind, "seconds": seconds, "floor_s": floor_s, "sent": sent,
            "ledger": ledger, "counts": counts,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _fake_twilio() -> tuple[subprocess.Popen, str]:
    """The HTTP fake in a process of its own (it must not share the GIL with the sender)."""
    code = ("import logging, time; from tests.support.fake_servers import FakeTwilio; "
            "logging.getLogger('werkzeug').setLevel(logging.ERROR); "
            "f = FakeTwilio().start(); print(f.url, flush=True); f.keep = False\n"
            "while True: time.sleep(3600)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": os.getcwd()})
    return child, child.stdout.readline().strip()


def table(rows: list[dict]) -> str:
    lines = ["| messages | provider | delivery run | per s | floor (provider alone) | floor per s |"
             " ratio | sent / ledger rows | peak RSS |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['provider']} | {r['seconds']:.1f} s | {r['n'] / r['seconds']:,.0f}"
            f" | {r['floor_s']:.2f} s | {r['n'] / r['floor_s']:,.0f} |"
            f" {r['seconds'] / r['floor_s']:.1f}x | {r['sent']:,} / {r['ledger']:,} |"
            f" {r['peak_rss_mb']:.0f} MB |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--provider", default="memory", choices=("memory", "twilio-http"))
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--fake-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    server_url = normalise_database_url(os.environ.get("TEST_DATABASE_URL")
                                        or os.environ.get("DATABASE_URL") or "")
    if not server_url.startswith("postgresql"):
        sys.exit("set TEST_DATABASE_URL to a PostgreSQL server")
    if args.one:
        print(json.dumps(one_size(server_url, args.one, args.provider, args.fake_url),
                         default=str))
        return
    fake = url = None
    if args.provider == "twilio-http":
        fake, url = _fake_twilio()
    rows = []
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            out = subprocess.run([sys.executable, "-m", "bench.messaging", "--one", str(n),
                                  "--provider", args.provider, "--fake-url", url or ""],
                                 capture_output=True, text=True, check=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(table(rows[-1:]), flush=True)
    finally:
        if fake is not None:
            fake.kill()
    report = (f"# Messaging delivery benchmark\n\n`python -m bench.messaging --sizes "
              f"{args.sizes} --provider {args.provider}` on {platform.node()}, load average "
              f"{os.getloadavg()[0]:.1f}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.\n\n"
              f"{table(rows)}\n\ncounts of the largest run: {rows[-1]['counts']}\n")
    print(report)
    RESULTS.write_text(report)


if __name__ == "__main__":
    main()

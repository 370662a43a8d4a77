"""Case import benchmark: the import service against a raw psycopg COPY + upsert, on PostgreSQL.

Run `python -m bench.imports [--rows N]` with TEST_DATABASE_URL (or DATABASE_URL) naming a
PostgreSQL server; two throwaway databases are created there and dropped at the end. Prints a
markdown table: first import, and re-import of the same file, for both.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import imports_baseline as baseline
from server.config import normalise_database_url

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
DISTRICTS = ("黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "浦东新区")
ROADS = ("人民大道", "南京西路", "淮海中路", "世纪大道", "四平路", "长寿路", "虹桥路")
RELATIONS = ("配偶", "父母", "同事", "朋友", "担保人", "兄弟姐妹")
HEADER = ["case_id", "account_id", "debtor_id", "name", "national_id", "product", "principal",
          "outstanding", "overdue_amount", "due_since", "home_address", "work_address", "phones",
          "contact1_name", "contact1_relationship", "contact1_phone",
          "contact2_name", "contact2_relationship", "contact2_phone"]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _resident_id(rng: random.Random) -> str:
    body = f"3101{rng.randrange(1, 20):02d}{rng.randrange(1960, 2002)}" \
           f"{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


def _address(rng: random.Random) -> str:
    return (f"上海市{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randrange(1, 2000)}号"
            f"{rng.randrange(1, 30)}0{rng.randrange(1, 9)}室")


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """A UTF-8 CSV of `rows` accounts; about one debtor in ten has a second account."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        debtor = None
        for n in range(rows):
            if debtor is None or rng.random() > 0.1:
                debtor = [f"C{n:07d}", f"D{n:07d}", _name(rng), _resident_id(rng),
                          _address(rng), _address(rng) if rng.random() < 0.6 else "",
                          ";".join(f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
                                   for _ in range(rng.choice((1, 1, 2)))),
                          *(value for _ in range(2) for value in (
                              _name(rng), rng.choice(RELATIONS),
                              f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"))]
            case_id, debtor_id, name, national_id, home, work, phones, *contacts = debtor
            principal = rng.randrange(3_000, 200_000)
            outstanding = round(principal * rng.uniform(0.2, 1.1), 2)
            writer.writerow([case_id, f"A{n:07d}", debtor_id, name, national_id,
                             rng.choice(("loan", "card", "instalment")), principal, outstanding,
                             round(outstanding * rng.uniform(0.05, 0.3), 2),
                             f"2026-{rng.randrange(1, 12):02d}-{rng.randrange(1, 29):02d}",
                             home, work, phones, *contacts])


def _server_url() -> str:
    raw = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not raw.startswith(("postgres://", "postgresql")):
        sys.exit("set TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL server URL")
    return normalise_database_url(raw)


def _app(url: str, instance: str):
    from server import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": instance,
                       "SECRET_KEY": "bench"})


@contextmanager
def throwaway_database(server_url: str, instance: str):
    """A fresh PostgreSQL database at head with one lender, BENCH; dropped afterwards."""
    from flask_migrate import upgrade

    from server.extensions import db
    from server.models import Agency

    name = f"doorstep_b_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        with _app(url, instance).app_context():
            upgrade()
            db.session.add(Agency(code="BENCH", name="Bench lender", kind="lender"))
            db.session.commit()
            db.engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _server_cpu(pid: int | None) -> float | None:
    """CPU seconds a PostgreSQL backend has used (same machine only; None when unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _service_run(url: str, instance: str, path: Path) -> tuple[float, dict]:
    """Import the file through the service, as `flask import cases` does; time the feed too."""
    from server.extensions import db
    from server.imports import ImportRequest, import_cases, upsert
    from server.unit_of_work import use_case

    feed_seconds = 0.0
    originals = {name: getattr(upsert, name)
                 for name in ("record_changes", "record_from_select", "record_joined")}

    def timed(function):
        def run(*args, **kwargs):
            nonlocal feed_seconds
            started = time.perf_counter()
            function(*args, **kwargs)
            feed_seconds += time.perf_counter() - started
        return run

    for name, function in originals.items():
        setattr(upsert, name, timed(function))
    try:
        with _app(url, instance).app_context():
            started, client = time.perf_counter(), _client_cpu()
            with path.open("rb") as stream, use_case() as session:
                pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
                server = _server_cpu(pid)
                run = import_cases(session, ImportRequest(stream, path.name, "BENCH",
                                                      source="bench"))
                counts = {"created": run.created_count, "updated": run.updated_count,
                          "unchanged": run.unchanged_count}
            seconds = time.perf_counter() - started
            counts["client_cpu"] = _client_cpu() - client
            after = _server_cpu(pid)
            counts["server_cpu"] = None if server is None or after is None else after - server
            db.engine.dispose()
    finally:
        for name, function in originals.items():
            setattr(upsert, name, function)
    return seconds, counts | {"feed": feed_seconds}


def _cpu(counts: dict) -> str:
    server = counts.get("server_cpu")
    return f"{counts['client_cpu']:.1f} / {'n/a' if server is None else f'{server:.1f}'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    server_url = _server_url()
    results = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "cases.csv"
        generate(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        with throwaway_database(server_url, work) as service_url, \
                throwaway_database(server_url, work) as raw_url:
            # Interleaved, so that both writers meet the same load on a shared machine.
            for label in ("first import", "re-import (same file)"):
                seconds, counts = _service_run(service_url, work, path)
                results.append(("import service", label, seconds, counts))
                client = _client_cpu()
                seconds, counts = baseline.load(raw_url, path, "BENCH", _server_cpu)
                counts["client_cpu"] = _client_cpu() - client
                results.append(("raw psycopg COPY + upsert", label, seconds, counts))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n### Case import: {args.rows:,} rows ({size_mb:.1f} MB CSV), PostgreSQL\n")
    print("| writer | run | seconds | rows/s | accounts created / updated / unchanged "
          "| of which change feed (s) | CPU s: client / PostgreSQL backend |")
    print("|---|---|---|---|---|---|---|")
    for writer, label, seconds, counts in results:
        feed = f"{counts['feed']:.1f}" if "feed" in counts else "n/a (no feed)"
        print(f"| {writer} | {label} | {seconds:.1f} | {args.rows / seconds:,.0f} | "
              f"{counts['created']:,} / {counts['updated']:,} / {counts['unchanged']:,} "
              f"| {feed} | {_cpu(counts)} |")
    print(f"\npeak RSS of the benchmark process: {peak_mb:.0f} MB; load average before: "
          f"{load:.1f}, after: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()

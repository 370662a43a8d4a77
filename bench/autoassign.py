"""Auto-assign benchmark on PostgreSQL: a team's day of candidate visits, rule inputs in bulk.

Run `python -m bench.autoassign [--visits 2000] [--collectors 40]` with TEST_DATABASE_URL (or
DATABASE_URL) naming a PostgreSQL server; a throwaway database is created and dropped.

One team (territory: four Shanghai districts) with N collectors (bases spread over the city,
capacity 8 a day) and V planned, unassigned visits today on placed cases, each debtor with a
geocoded home and three contact attempts in the last fortnight. `auto_assign` runs as a dry run
(the answer is built, nothing written) with the rule inputs of all candidates loaded together
(the service), against the same call loading them one visit at a time (the baseline: what
auto-assign did before, 6 queries per candidate). Both answers must be equal. Prints a
markdown table: wall seconds (best of 3), SQL statements, and the planner's share.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, event, insert
from sqlalchemy.orm import Session

from bench.pgdb import throwaway_database
from server.auth.passwords import hash_password
from server.compliance.profile_store import seed_profiles
from server.dispatch import autoassign
from server.dispatch.autoassign import AutoAssignRequest, auto_assign
from server.dispatch.checks import case_facts
from server.models import (
    Account,
    Address,
    Agency,
    Base,
    Case,
    ContactAttempt,
    Party,
    Placement,
    Team,
    User,
    Visit,
    new_id,
)

DISTRICTS = {"黄浦区": (31.2304, 121.4737), "静安区": (31.2286, 121.4480),
             "徐汇区": (31.1885, 121.4365), "长宁区": (31.2204, 121.4246)}


@dataclass(frozen=True)
class Dispatcher:
    user_id: str
    role: str
    agency_id: str
    team_id: str


def seed(session: Session, visits: int, collectors: int, rng: random.Random) -> Dispatcher:
    """The team, its collectors and today's candidates, written set-based."""
    lender, agency = new_id(), new_id()
    session.execute(insert(Agency), [
        {"id": lender, "code": "L", "name": "Lender", "kind": "lender"},
        {"id": agency, "code": "AG", "name": "Agency", "kind": "outsourced"}])
    team = new_id()
    session.execute(insert(Team), [{"id": team, "agency_id": agency, "code": "T1",
                                    "name": "Team", "territory": list(DISTRICTS)}])
    today = date.today()
    secret = hash_password("bench password 1")
    names = list(DISTRICTS)
    users = []
    for n in range(collectors):
        lat, lng = DISTRICTS[names[n % len(names)]]
        users.append({"id": new_id(), "username": f"collector{n}", "password_hash": secret,
                      "role": "collector", "team_id": team, "agency_id": agency,
                      "base_lat": lat + rng.uniform(-0.02, 0.02),
                      "base_lng": lng + rng.uniform(-0.02, 0.02), "daily_capacity": 8,
                      "certification_expires_on": today + timedelta(days=365),
                      "training_completed_on": today - timedelta(days=30),
                      "national_id": "310101198001011234"})
    dispatcher = new_id()
    users.append({"id": dispatcher, "username": "dispatcher", "password_hash": secret,
                  "role": "dispatcher", "team_id": team, "agency_id": agency})
    session.execute(insert(User), users)
    parties, cases, accounts, addresses, placements, planned, attempts = ([] for _ in range(7))
    now = datetime.now(UTC)
    for n in range(visits):
        party, case, address = new_id(), new_id(), new_id()
        district = names[n % len(names)]
        lat, lng = DISTRICTS[district]
        parties.append({"id": party, "lender_id": lender, "external_id": f"P{n}",
                        "full_name": "李四"})
        cases.append({"id": case, "lender_id": lender, "external_id": f"C{n}",
                      "debtor_id": party})
        accounts.append({"id": new_id(), "lender_id": lender, "external_id": f"A{n}",
                         "case_id": case, "principal": Decimal("10000"),
                         "outstanding": Decimal(rng.randrange(1000, 50000)),
                         "bucket": rng.choice(("M1", "M2", "M3")), "dpd": rng.randrange(1, 120)})
        addresses.append({"id": address, "party_id": party, "kind": "home",
                          "raw_text": f"上海市{district}某路{n}号", "city": "上海市",
                          "district": district, "lat": lat + rng.uniform(-0.03, 0.03),
                          "lng": lng + rng.uniform(-0.03, 0.03), "accuracy_m": 50.0,
                          "precision": "building", "verification_state": "geocoded",
                          "time_zone": "Asia/Shanghai"})
        placements.append({"id": new_id(), "case_id": case, "agency_id": agency})
        planned.append({"id": new_id(), "case_id": case, "address_id": address,
                        "scheduled_on": today, "team_id": team,
                        "priority": rng.randrange(0, 5)})
        attempts.extend({"id": new_id(), "case_id": case, "party_id": party,
                         "channel": rng.choice(("call", "sms")),
                         "occurred_at": now - timedelta(days=rng.randrange(1, 14))}
                        for _ in range(3))
    for model, records in ((Party, parties), (Case, cases), (Account, accounts),
                           (Address, addresses), (Placement, placements), (Visit, planned),
                           (ContactAttempt, attempts)):
        session.execute(insert(model), records)
    session.commit()
    return Dispatcher(dispatcher, "dispatcher", agency, team)


def _one_at_a_time(session, resolver, rows):
    """The baseline: each candidate's rule inputs loaded on its own (6 queries a visit)."""
    return {visit.id: case_facts(session, resolver, visit, case, address)
            for visit, case, address in rows}


@contextmanager
def _counting(engine):
    count = [0]

    def counted(*args):
        count[0] += 1

    event.listen(engine, "before_cursor_execute", counted)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", counted)


def _timed(engine, caller, runs: int) -> tuple[float, int, float, dict]:
    """Best wall time of `runs` dry runs, their statements, the planner's seconds, the answer."""
    planner = autoassign.plan
    best = (float("inf"), 0, 0.0, {})
    spent = [0.0]

    def timed_plan(*args, **kwargs):
        start = time.perf_counter()
        try:
            return planner(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    for _ in range(runs):
        spent[0] = 0.0

        autoassign.plan = timed_plan
        try:
            with Session(engine) as session, _counting(engine) as count:
                start = time.perf_counter()
                answer = auto_assign(session, caller, AutoAssignRequest("T1", date.today(),
                                                                        dry_run=True),
                                     datetime.now(UTC))
                seconds = time.perf_counter() - start
        finally:
            autoassign.plan = planner
        if seconds < best[0]:
            best = (seconds, count[0], spent[0], answer)
    return best


@dataclass(frozen=True)
class Timing:
    seconds: float  # best wall time of the runs
    statements: int  # SQL statements of that run
    planner_seconds: float
    answer: dict


@dataclass(frozen=True)
class Measured:
    visits: int
    collectors: int
    runs: int
    service: Timing  # rule inputs of all candidates together
    baseline: Timing  # one visit at a time (auto-assign before)


def measure(server_url: str, visits: int, collectors: int, runs: int) -> Measured:
    """Seed a throwaway database on the server and time both ways of loading rule inputs."""
    with throwaway_database(server_url, "doorstep_bench") as url:
        engine = create_engine(url)
        try:
            Base.metadata.create_all(engine)
            with Session(engine) as session:
                seed_profiles(session)
                session.commit()
                caller = seed(session, visits, collectors, random.Random(7))
            with engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
            service = Timing(*_timed(engine, caller, runs))
            bulk = autoassign.case_facts_for
            autoassign.case_facts_for = _one_at_a_time
            try:
                baseline = Timing(*_timed(engine, caller, runs))
            finally:
                autoassign.case_facts_for = bulk
        finally:
            engine.dispose()
    return Measured(visits, collectors, runs, service, baseline)


def markdown(m: Measured) -> str:
    answer = m.service.answer
    lines = [
        f"### Auto-assign: {m.visits:,} candidate visits, {m.collectors} collectors (dry run, "
        f"best of {m.runs})", "",
        "| rule inputs | seconds | SQL statements | of which planner s | assigned / left |",
        "|---|---|---|---|---|"]
    for label, t in (("all candidates together (service)", m.service),
                     ("one visit at a time (baseline: before)", m.baseline)):
        lines.append(f"| {label} | {t.seconds:.2f} | {t.statements:,} | "
                     f"{t.planner_seconds:.2f} | {len(answer['assigned'])} / "
                     f"{len(answer['unassigned'])} |")
    same = "identical answers" if m.service.answer == m.baseline.answer else \
        "ANSWERS DIFFER"
    lines += ["", f"speed-up {m.baseline.seconds / m.service.seconds:.1f}x; {same}; load "
                  f"average {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)"]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument("--collectors", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    server = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not server or not server.startswith("postgres"):
        print("set TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL server", file=sys.stderr)
        return 2
    measured = measure(server, args.visits, args.collectors, args.runs)
    print(markdown(measured))
    return 0 if measured.service.answer == measured.baseline.answer else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The operation a load run works on: a throwaway database, migrated and seeded.

Deployment steps run as the operator would run them (`flask db upgrade`, `flask demo seed`);
the demo has a fixed staff (12 collectors in pairs, ~10 of them with visits today), so when a
run wants more collectors the harness adds *extra pairs* set-based, in one transaction: users
cloned from a demo collector of the same team (same password hash, so the one demo password
works), a registered device each, and today's two-person visits on cases the demo already
visits on other days (visitable, placed with the team's agency), all noted in the sync feed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from server.config import normalise_database_url

REPO = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "doorstep-demo"  # server/demo/seed.py DEMO_PASSWORD (demo databases only)
VISITS_PER_PAIR = 6  # the demo gives each pair 5-8 visits a day


@dataclass(frozen=True)
class Collector:
    username: str
    user_id: str
    device_id: str
    pair: str  # "lead_id+second_id": visits go to pairs
    team_id: str
    agency_id: str


@dataclass
class World:
    database_url: str
    today: date
    collectors: list[Collector]
    dispatchers: dict[str, str] = field(default_factory=dict)  # agency id -> username
    extra_pairs: int = 0
    debtors: int = 0


def flask_env(database_url: str, instance: Path, **extra: str) -> dict:
    """The production-like environment the CLI steps and gunicorn share."""
    env = {**os.environ, "DATABASE_URL": database_url, "DOORSTEP_ENV": "production",
           "SECRET_KEY": "load-bench-secret-not-for-production",
           "AUDIT_HMAC_KEY": "load-bench-audit-key-not-for-production",
           "FLASK_APP": "server:create_app",
           "DOORSTEP_INSTANCE": str(instance), "ATTACHMENT_DIR": str(instance / "attachments"),
           "PYTHONUNBUFFERED": "1", **extra}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def flask(env: dict, *args: str, timeout: float = 600) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({done.returncode}):\n"
                           f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def debtors_for(collectors: int) -> int:
    """Enough debtors for the demo's own visits plus the extra pairs' (one case per visit)."""
    return 200 + 8 * collectors


def build_world(database_url: str, env: dict, collectors: int, seed: int = 2024,
                visits_per_pair: int = VISITS_PER_PAIR,
                demo_collectors: int | None = None, debtors: int | None = None) -> World:
    """Migrate, seed the demo, add extra pairs until `collectors` have visits today.

    `demo_collectors` caps how many of the demo's own collectors take part (the smoke test
    uses a few of each kind); `debtors` overrides the demo's size (`debtors_for`), e.g. a
    smaller one when only extra pairs take part (their visits reuse cases round-robin)."""
    flask(env, "db", "upgrade")
    debtors = debtors or debtors_for(collectors)
    flask(env, "demo", "seed", "--seed", str(seed), "--debtors", str(debtors))
    from server.demo.rows import local_today
    from server.models import utcnow

    today = local_today(utcnow())
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.begin() as conn:
            demo = _demo_collectors(conn, today)[:demo_collectors]
            missing = max(0, collectors - len(demo))
            extra = _add_pairs(conn, today, (missing + 1) // 2, visits_per_pair) if missing else []
            dispatchers = dict(conn.execute(text(
                "SELECT agency_id, min(username) FROM users WHERE role = 'dispatcher'"
                " GROUP BY agency_id")).all())
    finally:
        engine.dispose()
    chosen = (demo + extra)[:collectors]
    return World(database_url, today, chosen, dispatchers, (missing + 1) // 2, debtors)


def _demo_collectors(conn, today: date) -> list[Collector]:
    """The demo's collectors with a current two-person assignment today, pair by pair."""
    rows = conn.execute(text("""
        SELECT v.id AS visit_id, va.role, u.id AS user_id, u.username, u.team_id, u.agency_id,
               d.id AS device_id
        FROM visits v JOIN visit_assignees va ON va.visit_id = v.id AND va.ended_at IS NULL
        JOIN users u ON u.id = va.user_id
        JOIN devices d ON d.user_id = u.id AND d.revoked_at IS NULL
        WHERE v.scheduled_on = :today AND v.status IN ('planned', 'assigned', 'in_progress')
        ORDER BY u.team_id, v.id"""), {"today": today}).mappings().all()
    members: dict[str, dict] = {}
    for row in rows:
        members.setdefault(row["visit_id"], {})[row["role"]] = row
    pairs: dict[str, tuple] = {}
    for roles in members.values():
        if "lead" in roles and "second" in roles:
            key = f"{roles['lead']['user_id']}+{roles['second']['user_id']}"
            pairs.setdefault(key, (roles["lead"], roles["second"]))
    seen: set[str] = set()
    out = []
    for key, (lead, second) in sorted(pairs.items(), key=lambda kv: kv[1][0]["username"]):
        for member in (lead, second):
            if member["user_id"] in seen:  # pairs rotate around an expired collector
                continue
            seen.add(member["user_id"])
            out.append(Collector(member["username"], member["user_id"], member["device_id"],
                                 key, member["team_id"], member["agency_id"]))
    return out


def _add_pairs(conn, today: date, pairs: int, visits_per_pair: int) -> list[Collector]:
    """`pairs` new two-person teams with `visits_per_pair` visits today each, set-based."""
    from server.db.feed import FEED_TABLES, record_many
    from server.demo.rows import local
    from server.models import Device, User, Visit, VisitAssignee, new_id, utcnow

    now = utcnow()
    templates = conn.execute(text("""
        SELECT DISTINCT ON (u.team_id) u.* FROM users u
        WHERE u.role = 'collector' AND u.active AND u.certification_expires_on > :soon
        ORDER BY u.team_id, u.username"""), {"soon": today + timedelta(days=60)}).mappings().all()
    dispatcher_of = dict(conn.execute(text(
        "SELECT agency_id, min(id) FROM users WHERE role = 'dispatcher' GROUP BY agency_id")).all())
    # Cases the demo visits on other days (so: visitable, placed with the team's agency), one
    # visit template each, newest first; none of them is visited today yet.
    candidates = conn.execute(text("""
        SELECT DISTINCT ON (v.case_id) v.* FROM visits v
        WHERE v.scheduled_on <> :today AND v.team_id IS NOT NULL
          AND v.case_id NOT IN (SELECT case_id FROM visits WHERE scheduled_on = :today)
        ORDER BY v.case_id, v.scheduled_on DESC"""), {"today": today}).mappings().all()
    by_team: dict[str, list] = {}
    for visit in sorted(candidates, key=lambda v: v["id"]):
        by_team.setdefault(visit["team_id"], []).append(visit)
    users, devices, visits, assignees, out = [], [], [], [], []
    cursor = dict.fromkeys(by_team, 0)
    for p in range(pairs):
        template = templates[p % len(templates)]
        team = template["team_id"]
        members = []
        for role in ("lead", "second"):
            number = len(users) + 1
            user = {k: v for k, v in template.items()
                    if k not in ("id", "username", "phone", "national_id", "created_at",
                                 "updated_at")}
            user.update(id=new_id(), username=f"load.collector{number:04d}",
                        display_name=f"压测{number:04d}", created_at=now, updated_at=now)
            device = {"id": f"load-phone-{number:04d}", "user_id": user["id"],
                      "label": "load test", "registered_at": now, "schema_version": 1}
            users.append(user)
            devices.append(device)
            members.append((role, user, device["id"]))
        key = "+".join(user["id"] for _, user, _ in members)
        out.extend(Collector(user["username"], user["id"], device_id, key, team,
                             user["agency_id"]) for _, user, device_id in members)
        pool = by_team.get(team) or []
        if len(pool) < 1:
            raise RuntimeError(f"no visitable cases for team {team}: raise --debtors")
        for _ in range(visits_per_pair):
            src = pool[cursor[team] % len(pool)]  # wraps round only when the pool runs out
            cursor[team] += 1
            visit = {k: v for k, v in src.items() if k not in ("id", "created_at", "updated_at")}
            visit.update(id=new_id(), status="assigned", scheduled_on=today, window_start=None,
                         window_end=None, mandatory=False, outcome_code=None, cancel_reason=None,
                         completed_at=None, version=1, created_by=dispatcher_of[user["agency_id"]],
                         created_at=now, updated_at=now)
            visits.append(visit)
            for role, user, _ in members:
                assignees.append({"id": new_id(), "visit_id": visit["id"],
                                  "user_id": user["id"], "role": role,
                                  "assigned_at": local(today - timedelta(days=1), 17 * 60),
                                  "assigned_by": visit["created_by"], "override_reason": None,
                                  "ended_at": None})
    feed = Session(bind=conn)
    for model, rows in ((User, users), (Device, devices), (Visit, visits),
                        (VisitAssignee, assignees)):
        if rows:
            conn.execute(insert(model.__table__), rows)
            if model.__tablename__ in FEED_TABLES:  # so devices pull them like any change
                record_many(feed, {model.__tablename__: [r["id"] for r in rows]})
    return out

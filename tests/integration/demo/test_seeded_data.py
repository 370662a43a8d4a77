"""What the demo contains, checked in the database: pairs, places, ids, facts, determinism."""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.audit.chain import canonical
from server.demo import geography as geo
from server.demo.names import valid_national_id
from server.demo.seed import build_demo, seed_demo
from server.models import (
    Address,
    CheckIn,
    Party,
    User,
    Verification,
    Visit,
    VisitAssignee,
    VisitOutcome,
    VisitStatus,
)

TODAY = date(2026, 3, 18)


@pytest.fixture
def seeded(session):
    report = seed_demo(session, seed=5, debtors=60, today=TODAY)
    session.commit()
    return report


def _metres(lat1, lng1, lat2, lng2) -> float:
    dy = (lat2 - lat1) * 111_320
    dx = (lng2 - lng1) * 111_320 * math.cos(math.radians(lat1))
    return math.hypot(dx, dy)


def test_every_visit_today_has_two_active_certified_assignees_from_its_team(seeded, session):
    visits = session.scalars(select(Visit).where(Visit.scheduled_on == TODAY)).all()
    assert visits
    users = {u.id: u for u in session.scalars(select(User))}
    per_collector = Counter()
    for visit in visits:
        assignees = session.scalars(select(VisitAssignee).where(
            VisitAssignee.visit_id == visit.id, VisitAssignee.ended_at.is_(None))).all()
        collectors = [users[a.user_id] for a in assignees]
        assert visit.status == VisitStatus.ASSIGNED and visit.required_collectors == 2
        assert len({a.id for a in collectors}) == 2
        assert all(a.role == "collector" and a.active and a.team_id == visit.team_id
                   for a in collectors)
        assert all(a.certification_expires_on >= TODAY for a in collectors)
        per_collector.update(a.id for a in collectors)
    assert max(per_collector.values()) <= 8


def test_appointment_windows_are_mandatory_and_in_the_local_afternoon(seeded, session):
    windows = session.scalars(select(Visit).where(Visit.window_start.is_not(None))).all()
    for visit in windows:
        assert visit.mandatory and visit.window_end > visit.window_start
        assert 14 <= visit.window_start.astimezone(ZoneInfo(geo.TIME_ZONE)).hour <= 17


def test_located_addresses_lie_inside_shanghai(seeded, session):
    addresses = session.scalars(select(Address)).all()
    states = Counter(a.verification_state for a in addresses)
    assert states[Verification.GEOCODED] > states[Verification.FIELD_VERIFIED] > 0
    for address in addresses:
        assert address.province == address.city == "上海市"
        assert address.time_zone == "Asia/Shanghai"
        assert address.raw_text.startswith(f"上海市{address.district}")
        if address.verification_state != Verification.UNVERIFIED:
            assert geo.in_bbox(address.lat, address.lng), address.raw_text
            assert address.precision in ("building", "district")


def test_national_ids_pass_the_checksum_and_match_gender_and_birth(seeded, session):
    people = session.scalars(select(Party).where(Party.national_id.is_not(None))).all()
    assert len(people) >= 60
    for person in people:
        assert valid_national_id(person.national_id), person.national_id
        assert person.national_id[6:14] == f"{person.birth_date:%Y%m%d}"
        assert (int(person.national_id[16]) % 2 == 1) == (person.gender == "M")
    for user in session.scalars(select(User)):
        assert valid_national_id(user.national_id)


def test_past_visits_have_one_check_in_per_collector_near_the_address(seeded, session):
    done = session.scalars(select(Visit).where(Visit.status == VisitStatus.COMPLETED)).all()
    assert done
    for visit in done:
        address = session.get(Address, visit.address_id)
        assigned = set(session.scalars(select(VisitAssignee.user_id)
                                       .where(VisitAssignee.visit_id == visit.id)))
        check_ins = session.scalars(select(CheckIn).where(CheckIn.visit_id == visit.id)).all()
        assert {c.user_id for c in check_ins} == assigned and len(check_ins) == 2
        assert all(_metres(address.lat, address.lng, c.lat, c.lng) < 100 for c in check_ins)
        assert session.scalar(select(VisitOutcome.code).where(VisitOutcome.visit_id == visit.id)
                              ) == visit.outcome_code


def test_fact_digests_are_sha256_of_the_stored_content(seeded, session):
    for outcome in session.scalars(select(VisitOutcome)):
        content = {c.name: getattr(outcome, c.key) for c in VisitOutcome.__table__.columns
                   if c.name not in ("digest", "received_at", "clock_offset_ms")}
        assert outcome.digest == hashlib.sha256(canonical(content).encode()).hexdigest()


def test_the_database_holds_exactly_what_the_seed_determines(seeded, session):
    data, _ = build_demo(5, 60, TODAY, "unused")
    built = defaultdict(list)
    for model, rows in data.rows.items():
        built[model.__tablename__] = sorted(row["id"] for row in rows)
    for model in (Party, Address, Visit, VisitAssignee, CheckIn, VisitOutcome):
        stored = sorted(session.scalars(select(model.id)))
        assert stored == built[model.__tablename__], model.__tablename__
    names = sorted(session.scalars(select(Party.full_name)))
    assert names == sorted(row["full_name"] for row in data.rows[Party])

"""Facts a device pushed are judged after they are applied: violations flagged, facts kept."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.compliance.profile_store import seed_profiles
from server.compliance.synced import check_synced_facts
from server.models import Address, Attachment, CheckIn, Violation
from tests.support import factories as f


def local(tz, *parts):
    return datetime(*parts, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _visit(session, collectors=2, tz="Asia/Shanghai", jurisdiction="CN"):
    seed_profiles(session)
    team = f.team(session)
    collectors = [f.user(session, "collector", team) for _ in range(collectors)]
    case, visit = f.case_with_visit(session, collectors=collectors)
    case.jurisdiction = jurisdiction
    session.get(Address, visit.address_id).time_zone = tz
    session.flush()
    return case, visit, collectors


def _violations(session):
    return session.scalars(select(Violation).order_by(Violation.rule, Violation.fact_id)).all()


def test_a_check_in_at_22_40_in_shanghai_is_flagged_and_kept(session):
    case, visit, (a, b) = _visit(session)
    late = f.check_in(session, visit, a, local("Asia/Shanghai", 2026, 3, 2, 22, 40))
    f.check_in(session, visit, b, local("Asia/Shanghai", 2026, 3, 2, 21, 50))

    created = check_synced_facts(session, {"check_ins": [late.id]})

    [violation] = _violations(session)
    assert created == 1
    assert (violation.rule, violation.fact_table, violation.fact_id) == ("QUIET", "check_ins",
                                                                          late.id)
    assert violation.user_id == a.id and violation.case_id == case.id
    assert violation.detail["local_time"] == "2026-03-02T22:40:00"
    assert session.get(CheckIn, late.id) is not None


def test_the_device_clock_is_corrected_before_judging_the_hour(session):
    _, visit, (a, _) = _visit(session)
    # The phone showed 21:50 but ran 50 minutes slow: it was really 22:40.
    row = f.check_in(session, visit, a, local("Asia/Shanghai", 2026, 3, 2, 21, 50),
                     clock_offset_ms=50 * 60 * 1000)
    check_synced_facts(session, {"check_ins": [row.id]})
    assert [v.rule for v in _violations(session)] == ["QUIET"]


def test_a_one_person_visit_under_cn_is_flagged_once_the_outcome_arrives(session):
    _, visit, (a,) = _visit(session, collectors=1)
    arrived = f.check_in(session, visit, a, local("Asia/Shanghai", 2026, 3, 2, 10))
    assert check_synced_facts(session, {"check_ins": [arrived.id]}) == 0

    result = f.outcome(session, visit, a, local("Asia/Shanghai", 2026, 3, 2, 10, 30),
                       recording_made=False)
    check_synced_facts(session, {"visit_outcomes": [result.id]})

    rules = {v.rule: v for v in _violations(session)}
    assert rules["TWO_PERSON"].fact_id == result.id
    assert rules["TWO_PERSON"].detail["count"] == 1
    assert rules["RECORDING"].severity == "warn"  # CN expects a recording


def test_a_recording_without_consent_and_debt_talk_with_a_third_party_are_flagged(session):
    _, visit, (a, b) = _visit(session)
    f.check_in(session, visit, a, local("Asia/Shanghai", 2026, 3, 2, 10))
    f.check_in(session, visit, b, local("Asia/Shanghai", 2026, 3, 2, 10))
    audio = f.fact(session, Attachment, local("Asia/Shanghai", 2026, 3, 2, 10, 5), a,
                   visit_id=visit.id, sha256="a" * 64, kind="audio")
    result = f.outcome(session, visit, a, local("Asia/Shanghai", 2026, 3, 2, 10, 30),
                       code="THIRD_PARTY_MET", discussed_debt=True, recording_made=True)

    check_synced_facts(session, {"visit_outcomes": [result.id], "attachments": [audio.id]})

    found = {(v.rule, v.fact_table) for v in _violations(session)}
    assert found == {("RECORDING", "attachments"), ("THIRD_PARTY", "visit_outcomes")}


def test_judging_the_same_facts_twice_creates_nothing_twice(session):
    _, visit, (a,) = _visit(session, collectors=1)
    late = f.check_in(session, visit, a, local("Asia/Shanghai", 2026, 3, 2, 23, 5))
    result = f.outcome(session, visit, a, local("Asia/Shanghai", 2026, 3, 2, 23, 30))
    applied = {"check_ins": [late.id], "visit_outcomes": [result.id]}
    first = check_synced_facts(session, applied)
    second = check_synced_facts(session, applied)
    assert first == 3 and second == 0  # QUIET, TWO_PERSON, RECORDING (none made)
    assert len(_violations(session)) == 3


def test_under_the_us_profile_new_york_evenings_end_at_21_00_local(session):
    _, visit, (a,) = _visit(session, collectors=1, tz="America/New_York", jurisdiction="US")
    ok = f.check_in(session, visit, a, local("America/New_York", 2026, 3, 2, 20, 30))
    late = f.check_in(session, visit, a, local("America/New_York", 2026, 3, 2, 21, 15))
    result = f.outcome(session, visit, a, local("America/New_York", 2026, 3, 2, 21, 40))

    check_synced_facts(session, {"check_ins": [ok.id, late.id], "visit_outcomes": [result.id]})

    # One collector is enough in the US, and no recording is expected: only the late check-in.
    [violation] = _violations(session)
    assert (violation.rule, violation.fact_id) == ("QUIET", late.id)
    assert violation.detail["profile"] == "US"
    assert violation.detail["tz"] == "America/New_York"

"""Attack 4 of issue #14: masked national ids were reconstructable from what a phone pulls.

Every demo collector pulls everything; for every party pulled, the candidate ids consistent with
all of it (the masked id, the birth year, the gender, GB 11643's check digit, any valid date)
are counted: never fewer than 10,000. The old mask (first 3, last 4) beside the full birth date
left ~91, the issue's figure.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server.demo.seed import seed_demo
from server.imports.values import _CN_ID_CHECK, _CN_ID_WEIGHTS
from server.models import Party, Role, User
from tests.support.api import bearer, login

FLOOR = 10_000
TODAY = date(2026, 3, 18)


def _step(dist: dict, position: int, digits) -> dict:
    out: dict = defaultdict(int)
    for rest, count in dist.items():
        for digit in digits:
            out[(rest + digit * _CN_ID_WEIGHTS[position]) % 11] += count
    return out


def _allowed(masked: str, position: int):
    return range(10) if masked[position] == "*" else (int(masked[position]),)


def candidates(masked: str, birth: str | None, gender: str | None) -> int:
    """How many 18-character resident ids agree with everything a phone holds of a person."""
    assert len(masked) == 18, masked
    dist: dict = {0: 1}
    for position in range(6):  # region
        dist = _step(dist, position, _allowed(masked, position))
    years = [int(birth[:4])] if birth else range(1900, TODAY.year + 1)
    dates: dict = defaultdict(int)
    for year in years:
        day = date(year, 1, 1)
        for _ in range(366 if calendar.isleap(year) else 365):
            text = f"{day:%Y%m%d}"
            if birth and len(birth) == 10 and text != birth.replace("-", ""):
                day += timedelta(days=1)
                continue
            if all(masked[6 + i] in ("*", c) for i, c in enumerate(text)):
                dates[sum(int(c) * _CN_ID_WEIGHTS[6 + i] for i, c in enumerate(text)) % 11] += 1
            day += timedelta(days=1)
    combined: dict = defaultdict(int)
    for a, x in dist.items():
        for b, y in dates.items():
            combined[(a + b) % 11] += x * y
    dist = _step(_step(combined, 14, _allowed(masked, 14)), 15, _allowed(masked, 15))
    last = [d for d in _allowed(masked, 16) if gender is None or (d % 2 == 1) == (gender == "M")]
    dist = _step(dist, 16, last)
    return sum(count for rest, count in dist.items()
               if masked[17] == "*" or _CN_ID_CHECK[rest] == masked[17])


def test_the_counter_reproduces_the_issues_figure_for_the_old_mask():
    true_id = "310101199003071235"
    old_mask = true_id[:3] + "*" * 11 + true_id[-4:]
    assert 85 <= candidates(old_mask, "1990-03-07", "M") <= 95  # the issue saw 90-91


@pytest.fixture
def pulled(app, client, session):
    """Everything every demo collector's phone receives of parties, by party id."""
    seed_demo(session, seed=5, debtors=60, today=TODAY)
    session.commit()
    names = list(session.scalars(select(User.username).where(User.role == Role.COLLECTOR)))
    seen: dict[str, dict] = {}
    for name in names:
        device = f"mask-{name}"[:60]
        headers = {**bearer(login(client, name, "doorstep-demo", device_id=device)),
                   "X-Device-Id": device}
        last = ""
        while True:
            answer = client.get("/api/v1/sync/pull", headers=headers, query_string={
                "last_pulled_at": last, "schema_version": 1, "limit": 2000})
            assert answer.status_code == 200, answer.get_json()
            body = answer.get_json()
            parts = body["changes"]["parties"]
            for row in parts["created"] + parts["updated"]:
                seen.setdefault(row["id"], {}).update(row)
            last = body["timestamp"]
            if not body.get("has_more"):
                break
    return seen


def test_no_pulled_party_has_fewer_than_10000_candidate_ids(session, pulled):
    truth = {p.id: p for p in session.scalars(select(Party).where(Party.id.in_(pulled)))}
    counted = []
    for party_id, row in pulled.items():
        real = truth[party_id].national_id
        if not real or len(real) != 18:
            continue
        assert row["birth_date"] is None or len(row["birth_date"]) == 4  # the year at most
        count = candidates(row["national_id"], row["birth_date"], row["gender"])
        counted.append(count)
        assert count >= FLOOR, (row["national_id"], row["birth_date"], count)
        assert all(c in ("*", r) for c, r in zip(row["national_id"], real, strict=True))
    assert len(counted) >= 40  # the demo's collectors hold that many people with ids
    print(f"\n{len(counted)} parties pulled with ids: candidates min {min(counted):,}, "
          f"max {max(counted):,}")

"""Each pulled visit carries its day's legal contact windows, so the app can warn offline.

The windows are the effective profile's allowed hours on the visit's date in the debtor's
local time, narrowed by the debtor's stated preferences (server/compliance/engine/windows.py); the
device gets them as a JSON string of [start, end) pairs in epoch milliseconds (UTC), because
WatermelonDB columns hold strings, numbers and booleans only.
"""

from __future__ import annotations

import json
from datetime import date
from typing import NamedTuple

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from server.compliance.effective import ProfileResolver, placed_agencies
from server.compliance.engine import allowed_windows
from server.compliance.inputs import DEFAULT_TZ, preferred_windows
from server.db.bulk import in_values
from server.models import Address, Case, Party, Visit

COLUMN = "allowed_windows"


def _ms(moment) -> int:
    return int(moment.timestamp() * 1000)


def with_allowed_windows(session: Session, answer: dict) -> dict:
    """Add `allowed_windows` to every visit row of a pull answer (a few queries in all).

    A visit whose case, address and debtor travel in the same answer (every first sync) is
    judged from those rows, as the device will hold them; the others' inputs are read."""
    changes = answer["changes"]
    parts = changes.get("visits", {})
    rows = [row for kind in ("created", "updated") for row in parts.get(kind, [])]
    if not rows:
        return answer
    found = _inputs_in_answer(changes, rows)
    missing = [row["id"] for row in rows if row["id"] not in found]
    if missing:
        found.update((r.id, _Inputs(r.scheduled_on, r.case_id, r.jurisdiction, r.lender_id,
                                    r.time_zone, r.preferred_windows))
                     for r in session.execute(
            select(Visit.id, Visit.scheduled_on, Case.id.label("case_id"), Case.jurisdiction,
                   Case.lender_id, Address.time_zone,
                   # as stored: decoded once per distinct text below, not once per visit
                   cast(Party.preferred_windows, Text).label("preferred_windows"))
            .join(Case, Case.id == Visit.case_id)
            .join(Address, Address.id == Visit.address_id)
            .join(Party, Party.id == Case.debtor_id)
            .where(in_values(session, Visit.id, missing))))
    resolver = ProfileResolver(session)
    placed = placed_agencies(session, {r.case_id for r in found.values()})
    profiles = {r.case_id: resolver.merged(r.jurisdiction, r.lender_id, placed.get(r.case_id, ()))
                for r in found.values()}
    windows, same = {}, {}
    for visit_id, r in found.items():
        # Most visits share a profile, a day, a zone and no stated preferences: work each
        # combination out once (profiles are the resolver's cached objects, alive meanwhile).
        key = (id(profiles[r.case_id]), r.scheduled_on, r.time_zone or DEFAULT_TZ,
               r.preferred_windows or "")
        if key not in same:
            prefs = json.loads(key[3]) if key[3] else None
            spans = allowed_windows(profiles[r.case_id], r.scheduled_on, key[2],
                                    preferred_windows(prefs or ()))
            same[key] = json.dumps([[_ms(start), _ms(end)] for start, end in spans])
        windows[visit_id] = same[key]
    for row in rows:
        row[COLUMN] = windows.get(row["id"], "[]")
    return answer


class _Inputs(NamedTuple):
    scheduled_on: date
    case_id: str
    jurisdiction: str | None
    lender_id: str | None
    time_zone: str | None
    preferred_windows: str | None  # JSON text


def _inputs_in_answer(changes: dict, visits: list[dict]) -> dict[str, _Inputs]:
    """The windows' inputs of the visits whose case, address and debtor are in the answer."""
    def by_id(name):
        parts = changes.get(name) or {}
        return {row["id"]: row for kind in ("created", "updated") for row in parts.get(kind, ())}

    cases, addresses, parties = by_id("cases"), by_id("addresses"), by_id("parties")
    out = {}
    for visit in visits:
        case = cases.get(visit.get("case_id"))
        address = addresses.get(visit.get("address_id"))
        party = parties.get(case.get("debtor_id")) if case is not None else None
        if party is None or address is None or not visit.get("scheduled_on"):
            continue
        prefs = party.get("preferred_windows")
        out[visit["id"]] = _Inputs(
            date.fromisoformat(visit["scheduled_on"]), case["id"], case.get("jurisdiction"),
            case.get("lender_id"), address.get("time_zone"),
            None if prefs in (None, "", "null") else prefs)
    return out

"""Races on PostgreSQL: real threads, each with its own app client (so its own session and
connection), lined up by barriers so the requests overlap for real.

- A dispatcher reassigns a visit from collector A to collector B while A pushes a check-in and
  an outcome for it (twice at once: a retry after a lost answer) and B pulls:
  no 5xx, no deadlock or serialisation error reaching a client (the only refusal is the
  designed 409 when the outcome completed the visit first), each fact stored exactly once or
  quarantined with its reason, the visit's version moved once per committed change, one
  contact attempt per stored outcome, and both phones converge (B holds the visit, A's copy
  is tombstoned, or the other way round after a 409).
- A case import rewrites the debtors, accounts, addresses, phones and relationships of a
  collector's cases while the collector pulls in a loop and a dispatcher keeps editing visits
  (so pulls are not quiet and save new cursors while the import is in flight): every pull
  answers, no id twice in one answer, and after the import commits the phone's copy equals a
  first sync, i.e. the snapshot cursor (xmax + in-progress xip) left no gap.

SQLite serialises writers, so these interleavings cannot happen there: skipped.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.audit.service import verify
from server.extensions import db
from server.imports import service as import_service
from server.models import (
    Address,
    CheckIn,
    ContactAttempt,
    Placement,
    QuarantinedRecord,
    Visit,
    VisitAssignee,
    VisitOutcome,
)
from server.models import Case as CaseRow
from tests.integration.sync import facts
from tests.support import factories as f
from tests.support.api import bearer, login
from tests.support.clock import operation_today
from tests.unit.imports.support import row

ITERATIONS = 20
JOIN_S = 60  # a request stuck longer than this is a deadlock nobody detected
# The seeded CN profile wants two certified collectors; the race is not about that.
OVERRIDES = {"TWO_PERSON": "race test", "CREDENTIALS": "race test"}


def _pg_only(backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; these interleavings cannot happen there")


def _race(*jobs) -> list:
    """Run the jobs in threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(10)
            results[index] = job()
        except BaseException as exc:  # reported by the caller
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_S)
    assert not any(t.is_alive() for t in threads), "a request hung (deadlock?)"
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


@dataclass
class Phone:
    """A device's copy of what it pulled: {table: {id: row}}, and its cursor."""

    headers: dict
    cursor: int | None = None
    rows: dict = field(default_factory=dict)

    def pull_answer(self, client) -> tuple[int, dict]:
        query = {"last_pulled_at": "" if self.cursor is None else self.cursor,
                 "schema_version": 1}
        response = client.get("/api/v1/sync/pull", query_string=query, headers=self.headers)
        return response.status_code, response.get_json()

    def apply(self, body: dict) -> None:
        _no_id_twice(body)
        for table, parts in body["changes"].items():
            held = self.rows.setdefault(table, {})
            for r in parts["created"] + parts["updated"]:
                held[r["id"]] = r
            for row_id in parts["deleted"]:
                held.pop(row_id, None)
        self.cursor = body["timestamp"]

    def pull(self, client) -> dict:
        status, body = self.pull_answer(client)
        assert status == 200, body
        self.apply(body)
        return body


def _no_id_twice(body: dict) -> None:
    for table, parts in body["changes"].items():
        sent = [r["id"] for r in parts["created"] + parts["updated"]]
        assert len(sent) == len(set(sent)), f"{table}: an id twice in one answer"
        assert not set(sent) & set(parts["deleted"]), f"{table}: sent and deleted at once"
        assert len(parts["deleted"]) == len(set(parts["deleted"])), table


def _sent(body: dict, table: str) -> set:
    parts = body["changes"][table]
    return {r["id"] for r in parts["created"] + parts["updated"]}


# --- a: reassignment racing a push and a pull ---------------------------------------------

@dataclass
class Crew:
    dispatcher: dict
    a: Phone
    b: Phone
    a_id: str
    b_id: str
    visits: list


def _crew(app, client, n: int) -> Crew:
    with app.app_context():
        s = db.session
        team = f.team(s)
        lender = f.agency(s, kind="lender")
        a, b = (f.user(s, team_row=team) for _ in range(2))
        dora = f.user(s, "dispatcher", team)
        visits = []
        for i in range(n):
            _case, visit = f.case_with_visit(s, lender=lender, collectors=[a], team_row=team,
                                             on=operation_today() + timedelta(days=i % 5))
            visit.required_collectors = 1
            visits.append(visit.id)
        s.commit()
        names = (a.username, b.username, dora.username)
        ids = (a.id, b.id)
    phones = [Phone({**bearer(login(client, name, device_id=f"phone-{name}")),
                     "X-Device-Id": f"phone-{name}"}) for name in names[:2]]
    return Crew(bearer(login(client, names[2])), *phones, *ids, visits)


def _stored(app, visit_id: str, fact_ids: dict) -> dict:
    """How each pushed fact ended: {id: (rows stored, quarantine reasons)}, plus the visit."""
    with app.app_context():
        s = db.session
        out = {}
        for model, row_id in ((CheckIn, fact_ids["check_ins"]),
                              (VisitOutcome, fact_ids["visit_outcomes"])):
            stored = s.scalar(select(func.count()).select_from(model).where(model.id == row_id))
            reasons = list(s.scalars(select(QuarantinedRecord.reason).where(
                QuarantinedRecord.row_id == row_id)))
            out[row_id] = (stored, reasons)
        visit = s.get(Visit, visit_id)
        assignees = set(s.scalars(select(VisitAssignee.user_id).where(
            VisitAssignee.visit_id == visit_id, VisitAssignee.ended_at.is_(None))))
        attempts = s.scalar(select(func.count()).select_from(ContactAttempt).where(
            ContactAttempt.source_id == fact_ids["visit_outcomes"]))
        s.rollback()
        return {"facts": out, "version": visit.version, "status": visit.status,
                "assignees": assignees, "attempts": attempts}


@pytest.mark.slow
def test_reassignment_racing_a_push_and_a_pull(app, client, backend):
    _pg_only(backend)
    crew = _crew(app, client, ITERATIONS)
    crew.a.pull(client)
    crew.b.pull(client)
    rng = random.Random(7)
    tally = {"reassigned": 0, "reassign_409": 0, "applied": 0, "quarantined": 0,
             "new_collector_got_it_in_the_racing_pull": 0}
    started = time.monotonic()
    for i, visit_id in enumerate(crew.visits):
        with app.app_context():
            version = db.session.get(Visit, visit_id).version
            db.session.rollback()
        assert visit_id in crew.a.rows["visits"] and visit_id not in crew.b.rows["visits"]
        # Even rounds: facts recorded a minute before the reassignment (kept whatever the
        # order). Odd rounds: facts recorded a moment after the reassignment starts (kept only
        # if the push reads A's assignment before the reassignment commits, else quarantined
        # as not_your_case). Every round the phone also retries its push at the same time (a
        # lost answer): the retry waits for the first attempt and finds its facts stored.
        late = i % 2 == 1
        at = facts.now_ms() + (1_000 if late else -60_000)
        pushed = {"check_ins": facts.check_in(visit_id, recorded_at=at),
                  "visit_outcomes": facts.outcome(visit_id, recorded_at=at + 1)}
        fact_ids = {t: r["id"] for t, r in pushed.items()}
        # Small random head starts, so that each request in turn gets in first.
        jitter = [rng.uniform(0, 0.02), rng.uniform(0, 0.15), rng.uniform(0, 0.05),
                  rng.uniform(0, 0.15)]

        def reassign(delay=jitter[0], visit_id=visit_id, version=version):
            time.sleep(delay)
            r = app.test_client().patch(f"/api/v1/visits/{visit_id}", headers=crew.dispatcher,
                                        json={"version": version, "assignees": [crew.b_id],
                                              "overrides": OVERRIDES})
            return r.status_code, r.get_json()

        def push(delay=jitter[1], pushed=pushed):
            time.sleep(delay)
            r = app.test_client().post(
                "/api/v1/sync/push", headers=crew.a.headers,
                json={"changes": {t: {"created": [r], "updated": [], "deleted": []}
                                  for t, r in pushed.items()}})
            return r.status_code, r.get_json()

        def pull_b(delay=jitter[2]):
            time.sleep(delay)
            return crew.b.pull_answer(app.test_client())

        retry = [functools.partial(push, jitter[3])]  # a lost answer
        (moved, moved_body), *pushes, (pulled, pull_body) = _race(reassign, push, *retry, pull_b)
        assert moved in (200, 409), moved_body  # 409: the visit changed or completed meanwhile
        assert moved == 200 or moved_body["code"] == 409
        assert all(status == 200 for status, _ in pushes), pushes
        assert pulled == 200, pull_body
        crew.b.apply(pull_body)
        if visit_id in _sent(pull_body, "visits"):
            tally["new_collector_got_it_in_the_racing_pull"] += 1

        state = _stored(app, visit_id, fact_ids)
        for row_id, (stored, reasons) in state["facts"].items():
            # exactly once, or quarantined with its reason: never lost, never both, never two
            assert (stored, len(reasons)) in ((1, 0), (0, 1)), (row_id, stored, reasons)
            assert reasons in ([], ["not_your_case"]), reasons
            for _, body in pushes:  # every answer tells the phone the truth about the fact
                rejected = {r for ids in body["experimentalRejectedIds"].values() for r in ids}
                assert (row_id in rejected) == (stored == 0), (row_id, body)
            tally["applied" if stored else "quarantined"] += 1
        outcome_stored = state["facts"][fact_ids["visit_outcomes"]][0]
        assert state["attempts"] == outcome_stored  # one ledger entry per stored outcome
        # Every committed change moved the version once: no lost update.
        assert state["version"] == version + (moved == 200) + outcome_stored, (state, moved)
        assert state["status"] == ("completed" if outcome_stored else "assigned")
        assert state["assignees"] == ({crew.b_id} if moved == 200 else {crew.a_id})
        tally["reassigned" if moved == 200 else "reassign_409"] += 1
        if moved == 409:
            assert outcome_stored, "a 409 without a concurrent change"

        # Both phones converge: the visit's holder has it as stored, the other does not.
        crew.a.pull(client)
        crew.b.pull(client)
        holder, other = (crew.b, crew.a) if moved == 200 else (crew.a, crew.b)
        assert visit_id not in other.rows["visits"], "the old collector still holds the visit"
        held = holder.rows["visits"].get(visit_id)
        assert held is not None, "the new collector never received the visit"
        assert (held["version"], held["status"]) == (state["version"], state["status"])
        for table, row_id in fact_ids.items():
            assert (row_id in holder.rows.get(table, {})) == bool(state["facts"][row_id][0])
            assert row_id not in other.rows.get(table, {})
    elapsed = time.monotonic() - started
    with app.app_context():
        assert verify(db.session)[1] is None  # the audit chain survived concurrent commits
    assert tally["reassigned"] and tally["reassign_409"], tally  # both orders happened
    print(f"\nreassignment races: {ITERATIONS} rounds in {elapsed:.1f} s: {tally}")


def test_a_retried_push_after_a_reassignment_is_a_replay(app, client, backend):
    """A push stored a fact; its answer was lost; the visit was reassigned; the phone retries.

    The retry must be a no-op (docs/sync.md: a fact whose id exists with the same content is
    not rejected), not a quarantined copy of a stored fact. Here the phone's clock runs a few
    seconds ahead (no X-Device-Time), which is how the race above produces it with a slow
    reassignment whose `now` precedes its commit.
    """
    crew = _crew(app, client, 1)
    [visit_id] = crew.visits
    with app.app_context():
        version = db.session.get(Visit, visit_id).version
        db.session.rollback()
    body = {"changes": {"check_ins": {"created": [
        facts.check_in(visit_id, recorded_at=facts.now_ms() + 5_000)], "updated": [],
        "deleted": []}}}
    first = client.post("/api/v1/sync/push", headers=crew.a.headers, json=body)
    assert first.status_code == 200 and first.get_json()["experimentalRejectedIds"] == {}
    moved = client.patch(f"/api/v1/visits/{visit_id}", headers=crew.dispatcher,
                         json={"version": version, "assignees": [crew.b_id],
                               "overrides": OVERRIDES})
    assert moved.status_code == 200, moved.get_json()
    again = client.post("/api/v1/sync/push", headers=crew.a.headers, json=body)
    assert again.status_code == 200
    assert again.get_json()["experimentalRejectedIds"] == {}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuarantinedRecord)) == 0


# --- b: a case import racing a collector's pulls -----------------------------------------

IMPORT_ROUNDS = 5
MINE, OTHERS = 12, 12  # the collector's cases, and other cases in the same file


def _rows(lender_tag: str, agency_code: str, round_: int) -> list[dict]:
    """The lender's file in round `round_`: every value a pull carries changes each round."""
    out = []
    for n in range(1, MINE + OTHERS + 1):
        out.append(row(n, case_id=f"{lender_tag}C{n}", account_id=f"{lender_tag}A{n}",
                       debtor_id=f"{lender_tag}D{n}", name=f"张{n}-{round_}",
                       outstanding=f"{8000 - round_ * 10 - n}.50",
                       home_address=f"上海市黄浦区人民大道{n}号{round_}室",
                       phones=f"13{round_}{n:08d}", agency_code=agency_code,
                       related_parties=[{"name": f"李{n}", "phone": f"15{round_}{n:08d}",
                                         "relationship": ("spouse", "reference")[round_ % 2]}]))
    return out


def _visible_tables(body: dict) -> dict:
    return {t: {r["id"]: r for r in parts["created"] + parts["updated"]}
            for t, parts in body["changes"].items()}


@pytest.mark.slow
def test_an_import_racing_a_collectors_pulls_loses_nothing(app, client, backend, monkeypatch):
    _pg_only(backend)
    tag = f.unique("L")
    with app.app_context():
        s = db.session
        lender = f.agency(s, kind="lender", code=f"{tag}LND")
        agency = f.agency(s)
        team = f.team(s, agency)
        collector = f.user(s, team_row=team)
        dora = f.user(s, "lender_ops")  # the lender's own file creates and places cases
        s.commit()
        lender_code, agency_code = lender.code, agency.code
        names = (collector.username, dora.username)
        collector_id, team_id = collector.id, team.id
    dispatcher = bearer(login(client, names[1]))
    answer = client.post(f"/api/v1/imports?lender={lender_code}",
                         json={"rows": _rows(tag, agency_code, 0)}, headers=dispatcher)
    assert answer.status_code == 201, answer.get_json()
    visit_ids = []
    with app.app_context():  # visits for the collector's cases, at the imported home address
        s = db.session
        for n in range(1, MINE + 1):
            case = s.scalar(select(CaseRow).where(CaseRow.external_id == f"{tag}C{n}"))
            address = s.scalar(select(Address).where(Address.party_id == case.debtor_id))
            visit = Visit(case_id=case.id, address_id=address.id, scheduled_on=operation_today(),
                          team_id=team_id, status="assigned", required_collectors=1)
            s.add(visit)
            s.flush()
            s.add(VisitAssignee(visit_id=visit.id, user_id=collector_id))
            visit_ids.append(visit.id)
        assert s.scalar(select(func.count()).select_from(Placement)) >= MINE + OTHERS
        s.commit()
    phone = Phone({**bearer(login(client, names[0], device_id="phone-race")),
                   "X-Device-Id": "phone-race"})
    fresh = {**bearer(login(client, names[0], device_id="phone-fresh")),
             "X-Device-Id": "phone-fresh"}
    phone.pull(client)
    assert len(phone.rows["cases"]) == MINE

    # The import writes 4 rows per chunk and pauses between chunks; after its first chunk it
    # waits until a pull has run with the import's writes in flight.
    monkeypatch.setattr(import_service, "CHUNK_ROWS", 4)
    original_write = import_service.write_chunk
    gate = {"in_flight": threading.Event(), "pulled": threading.Event()}

    def slow_write(ctx, rows):
        original_write(ctx, rows)
        if not gate["in_flight"].is_set():
            gate["in_flight"].set()
            assert gate["pulled"].wait(10), "no pull ran while the import was writing"
        time.sleep(0.01)

    monkeypatch.setattr(import_service, "write_chunk", slow_write)
    edits = iter(range(1, 1_000_000))

    def touch_a_visit():
        """Commit a change the phone pulls, in a transaction of its own."""
        with app.app_context(), Session(db.engine) as session:
            n = next(edits)
            visit = session.get(Visit, visit_ids[n % len(visit_ids)])
            visit.talking_points = f"edit {n}"
            session.commit()

    pulls = 0
    started = time.monotonic()
    for round_ in range(1, IMPORT_ROUNDS + 1):
        gate["in_flight"].clear()
        gate["pulled"].clear()
        done = threading.Event()
        during = []

        def run_import(round_=round_, done=done):
            try:
                r = app.test_client().post(f"/api/v1/imports?lender={lender_code}",
                                           json={"rows": _rows(tag, agency_code, round_)},
                                           headers=dispatcher)
                return r.status_code, r.get_json()
            finally:
                done.set()

        def keep_pulling(done=done, during=during):
            local = app.test_client()
            while not done.is_set():
                in_flight = gate["in_flight"].is_set()
                if in_flight and not gate["pulled"].is_set():
                    touch_a_visit()  # so this pull is not a quiet one: it saves a new cursor
                status, body = phone.pull_answer(local)
                during.append(status)
                assert status == 200, body
                phone.apply(body)
                if in_flight:
                    gate["pulled"].set()

        def keep_writing(done=done):  # a dispatcher editing visits meanwhile
            while not done.wait(0.02):
                touch_a_visit()

        (imported, report), _, _ = _race(run_import, keep_pulling, keep_writing)
        assert imported == 201, report
        assert report["counts"]["updated"] == MINE + OTHERS, report["counts"]
        pulls += len(during) + 1
        phone.pull(client)  # the first pull after the import committed
        # Nothing lost between cursors: the phone's copy is what a first sync would send now.
        first_sync = client.get("/api/v1/sync/pull", headers=fresh,
                                query_string={"last_pulled_at": "", "schema_version": 1})
        assert first_sync.status_code == 200
        expected = _visible_tables(first_sync.get_json())
        for table, rows in expected.items():
            assert phone.rows.get(table, {}) == rows, f"round {round_}: {table} differs"
        names_now = {r["full_name"] for r in phone.rows["parties"].values()}
        assert {f"张{n}-{round_}" for n in range(1, MINE + 1)} <= names_now
        assert not {f"张{n}-{round_}" for n in range(MINE + 1, MINE + OTHERS + 1)} & names_now
    elapsed = time.monotonic() - started
    with app.app_context():
        mine = select(Visit.case_id).join(VisitAssignee, VisitAssignee.visit_id == Visit.id).where(
            VisitAssignee.user_id == collector_id)
        addresses = db.session.scalar(select(func.count()).select_from(Address).join(
            CaseRow, CaseRow.debtor_id == Address.party_id).where(CaseRow.id.in_(mine)))
        db.session.rollback()
    assert addresses == MINE * (IMPORT_ROUNDS + 1)  # a new home address each round
    print(f"\nimport races: {IMPORT_ROUNDS} imports of {MINE + OTHERS} rows, {pulls} pulls "
          f"in {elapsed:.1f} s")

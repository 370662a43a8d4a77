"""The use case `seed_demo`: fill an empty database with a believable Shanghai operation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.passwords import hash_password
from server.db.feed import FEED_TABLES, record_changes
from server.demo.activity import build_visits
from server.demo.ledger import build_ledger
from server.demo.portfolio import build_portfolio
from server.demo.rows import Dataset, local_today
from server.demo.staff import Staff, build_staff
from server.errors import Conflict
from server.models import (
    Account,
    Address,
    AddressReport,
    Agency,
    Case,
    CheckIn,
    Consent,
    ConsentText,
    ContactAttempt,
    ContactPoint,
    Device,
    OptOut,
    Party,
    PartyRelationship,
    Payment,
    PaymentPromise,
    Placement,
    Team,
    User,
    Visit,
    VisitAssignee,
    VisitNote,
    VisitOutcome,
    utcnow,
)

DEMO_PASSWORD = "doorstep-demo"  # printed with the logins; demo databases only
DEFAULT_SEED = 2024
DEFAULT_DEBTORS = 600
MIN_DEBTORS = 10
_CHUNK = 500
# Parents before children, so every foreign key points at a row already there.
INSERT_ORDER = (
    Agency, Team, User, Device, ConsentText, Party, Case, Account, Placement, PartyRelationship,
    Address, ContactPoint, OptOut, Visit, VisitAssignee, CheckIn, VisitOutcome, VisitNote,
    AddressReport, PaymentPromise, Payment, Consent, ContactAttempt,
)


@dataclass(frozen=True)
class SeedReport:
    """What was seeded: row counts per table, the logins and the shared demo password."""

    seed: int
    today: date
    counts: dict[str, int]
    logins: list[tuple[str, str, str, str]]
    password: str


def has_users(session: Session) -> bool:
    """Whether anyone can log in already (what `--if-empty` looks at)."""
    return session.scalar(select(User.id).limit(1)) is not None


def is_empty(session: Session) -> bool:
    """No users, agencies or parties: nothing a demo could clash with or be mistaken for."""
    return all(session.scalar(select(model.id).limit(1)) is None
               for model in (User, Agency, Party))


def build_demo(seed: int, debtors: int, today: date,
               password_hash: str) -> tuple[Dataset, Staff]:
    """Every demo row, in memory: the same seed, size and day give the same rows."""
    if debtors < MIN_DEBTORS:
        raise ValueError(f"a demo needs at least {MIN_DEBTORS} debtors")
    data = Dataset(seed, today)
    staff = build_staff(data, password_hash)
    portfolio = build_portfolio(data, staff, debtors)
    done = build_visits(data, staff, portfolio)
    build_ledger(data, portfolio, done)
    return data, staff


def seed_demo(session: Session, seed: int = DEFAULT_SEED, debtors: int = DEFAULT_DEBTORS,
              today: date | None = None, password: str = DEMO_PASSWORD) -> SeedReport:
    """Seed the demo into an empty database, set-based, in the caller's transaction."""
    if not is_empty(session):
        raise Conflict("the database already holds data; the demo only seeds an empty one "
                       "(use --if-empty to skip quietly, or start from a fresh database)")
    today = today or local_today(utcnow())
    # argon2 is slow on purpose: one hash, shared by every demo login, is the same as many.
    data, staff = build_demo(seed, debtors, today, hash_password(password))
    for model in INSERT_ORDER:
        _insert(session, model, data.rows.get(model, []))
    counts = {model.__tablename__: data.count(model) for model in INSERT_ORDER}
    audit.record(session, None, "demo.seeded", "demo", str(seed),
                 {"seed": seed, "debtors": debtors, "today": today.isoformat()})
    return SeedReport(seed, today, counts, staff.logins, password)


def _insert(session: Session, model: type, rows: list[dict]) -> None:
    """Insert in chunks; rows of synced tables are noted in the change feed (no ORM flush)."""
    table = model.__tablename__
    shapes: dict[frozenset, list[dict]] = {}  # one executemany needs the same keys in each row
    for row in rows:
        shapes.setdefault(frozenset(row), []).append(row)
    for same_keys in shapes.values():
        for start in range(0, len(same_keys), _CHUNK):
            chunk = same_keys[start:start + _CHUNK]
            # Core, not ORM bulk: the ORM splits rows by which values are None, often row by row.
            session.execute(insert(model.__table__), chunk)
            if table in FEED_TABLES:
                record_changes(session, table, [row["id"] for row in chunk])

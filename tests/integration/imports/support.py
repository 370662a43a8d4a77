"""Import test helpers: a lender, a one-call import, and row counts per table."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import func, select

from server.extensions import db
from server.imports import ImportRequest, import_cases
from server.models import (
    Account,
    Address,
    Case,
    ContactPoint,
    Party,
    PartyRelationship,
    Placement,
)
from server.unit_of_work import use_case
from tests.support import factories

AS_OF = date(2026, 11, 29)
TABLES = {"parties": Party, "cases": Case, "accounts": Account, "addresses": Address,
          "contact_points": ContactPoint, "relationships": PartyRelationship,
          "placements": Placement}


def make_lender(code: str = "LND") -> str:
    """A lender agency (committed); returns its id."""
    lender = factories.agency(db.session, kind="lender", code=code, name="Lender")
    db.session.commit()
    return lender.id


def run_import(data: bytes | str, filename: str | None = "cases.csv", lender: str | None = "LND",
               **options):
    """Import bytes (str is UTF-8 encoded) through the service, as the API does."""
    raw = data.encode() if isinstance(data, str) else data
    with use_case() as session:
        return import_cases(session, ImportRequest(io.BytesIO(raw), filename, lender, as_of=AS_OF,
                                               **options))


def counts() -> dict[str, int]:
    """How many rows each imported table holds."""
    return {name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in TABLES.items()}

"""Which lender a lender-side caller acts for: a client's or lender ops' own; admins name one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import InvalidInput
from server.models import Agency, AgencyKind, Role


def lender_of(session: Session, principal, lender_code: str | None = None) -> str:
    """The lender's agency id for this caller, else a 422 naming `lender`."""
    if principal.role in (Role.API_CLIENT, Role.LENDER_OPS):
        lender = session.get(Agency, principal.agency_id) if principal.agency_id else None
    else:
        lender = (session.scalar(select(Agency).where(Agency.code == lender_code))
                  if lender_code else None)
    if lender is None or lender.kind != AgencyKind.LENDER:
        raise InvalidInput("no lender to act for", {"lender": ["name the lender's code"]})
    return lender.id

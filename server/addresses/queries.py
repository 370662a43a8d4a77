"""Addresses a caller may see: staff their agency's debtors', collectors where they are sent."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.orm import Session

from server.access import Caller, assigned_to, placed_with, sees_everything
from server.audit.reads import record_read
from server.errors import NotFound
from server.models import Address, Case, Role, Visit


def address_visible(caller: Caller) -> ColumnElement[bool]:
    """A WHERE clause on Address for the caller."""
    if sees_everything(caller):
        return true()
    if caller.role == Role.COLLECTOR:
        return Address.id.in_(select(Visit.address_id).where(assigned_to(caller.user_id)))
    return Address.party_id.in_(
        select(Case.debtor_id).where(Case.id.in_(placed_with(caller.agency_id))))


def get_visible_address(session: Session, caller: Caller, address_id: str) -> Address:
    """The address if the caller may see it, else NotFound."""
    found = session.scalar(select(Address).where(Address.id == address_id,
                                                 address_visible(caller)))
    if found is None:
        raise NotFound(f"no address {address_id!r}")
    return found


def read_address(session: Session, caller: Caller, address_id: str) -> Address:
    """One address shown to a person, recorded in the audit trail (the caller commits)."""
    found = get_visible_address(session, caller, address_id)
    record_read(session, caller.user_id, "address", address_id)
    return found


def addresses_query(caller: Caller, state: str | None = None,
                    district: str | None = None) -> Select:
    """Visible addresses, filtered by verification state and district."""
    stmt = select(Address).where(address_visible(caller))
    if state:
        stmt = stmt.where(Address.verification_state == state)
    if district:
        stmt = stmt.where(Address.district == district)
    return stmt.order_by(Address.district, Address.id)

"""What the debtor or someone near them tells us about where and how to reach the debtor: a new
or corrected phone, a new or corrected address, a move, a third party's report. Effects of the
case events of those kinds (server/cases/requests.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.addresses.geo.address_states import AddressEvent, IllegalTransition, transition
from server.errors import InvalidInput
from server.imports import values
from server.models import Address, Case, ContactPoint, Party


def _debtors(session: Session, model, row_id: str | None, party: Party, field: str):
    """The debtor's row of `model` named by the request, None when not named."""
    if row_id is None:
        return None
    row = session.get(model, row_id)
    if row is None or row.party_id != party.id:
        raise InvalidInput(f"not the debtor's {field.removesuffix('_id')}",
                           {field: ["not the debtor's"]})
    return row


def report_phone(session: Session, case: Case, party: Party, spec: Mapping[str, Any],
                 now: datetime) -> dict:
    """A new number, or a corrected one (the number it replaces is marked invalid)."""
    try:
        number = values.phone(spec["value"])
    except ValueError as exc:
        raise InvalidInput("not a phone number", {"value": [str(exc)]}) from exc
    old = _debtors(session, ContactPoint, spec.get("contact_point_id"), party,
                   "contact_point_id")
    point = session.scalar(select(ContactPoint).where(
        ContactPoint.party_id == party.id, ContactPoint.channel == "phone",
        ContactPoint.value == number))
    if point is None:
        point = ContactPoint(party_id=party.id, channel="phone", value=number, label="reported")
        session.add(point)
    point.valid = True
    if old is not None and old is not point:
        old.valid = False
    session.flush()
    return {"new_contact_point_id": point.id, "replaced": old.id if old else None}


def _move(address: Address, event: AddressEvent, note: str) -> None:
    try:
        address.verification_state = transition(address.verification_state, event).value
        address.verification_note = note[:500]
    except IllegalTransition:  # already moved or failed: the report adds nothing there
        pass


def report_address(session: Session, case: Case, party: Party, spec: Mapping[str, Any],
                   now: datetime) -> dict:
    """A new address, or a corrected one (the address it replaces counts as wrong)."""
    old = _debtors(session, Address, spec.get("address_id"), party, "address_id")
    if old is not None:
        _move(old, AddressEvent.WRONG_ADDRESS, "corrected by the debtor")
    return {"new_address_id": _new_address(session, party, spec["value"]),
            "replaced": old.id if old else None}


def report_move(session: Session, case: Case, party: Party, spec: Mapping[str, Any],
                now: datetime) -> dict:
    """The debtor no longer lives at the address; where they went, when known."""
    old = _debtors(session, Address, spec["address_id"], party, "address_id")
    _move(old, AddressEvent.MOVED, "the debtor moved (case event)")
    new = _new_address(session, party, spec["value"]) if spec.get("value") else None
    return {"moved_from": old.id, "new_address_id": new}


def _new_address(session: Session, party: Party, text: str) -> str:
    address = Address(party_id=party.id, raw_text=text.strip()[:500])
    session.add(address)
    session.flush()
    return address.id


def third_party_report(session: Session, case: Case, party: Party, spec: Mapping[str, Any],
                       now: datetime) -> dict:
    """Someone other than the debtor told us something (the note); no state changes."""
    return {}

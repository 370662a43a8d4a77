"""Import scope: the reports a caller may read, the cases an agency's import may write."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import ImportRun, Role, User


def run_visible(caller) -> ColumnElement[bool]:
    """A WHERE clause on ImportRun: rejected rows name debtors, so agencies see only their own."""
    if caller.role in (Role.ADMIN, Role.COMPLIANCE):
        return true()
    return ImportRun.user_id.in_(select(User.id).where(User.agency_id == caller.agency_id))


def visible_runs(stmt: Select, caller) -> Select:
    """Narrow a select of import runs to the caller's."""
    return stmt.where(run_visible(caller))


def get_visible_run(session: Session, caller, run_id: str) -> ImportRun:
    """One import report the caller may read, else NotFound (no hint that it exists)."""
    run = session.scalar(select(ImportRun).where(ImportRun.id == run_id, run_visible(caller)))
    if run is None:
        raise NotFound(f"no import has the id {run_id!r}")
    return run


# What an agency's staff may import: cases that exist and are unplaced or placed with their own
# agency. Creating cases, and placing, moving or re-balancing a case placed elsewhere, are the
# lender's own acts (Role.LENDER_OPS, admins, the CLI). One message for an unknown case and for
# another agency's, so a refusal tells nothing about cases outside the caller's scope.
NOT_OPEN = "case {} is not placed with your agency (only the lender imports other cases)"
NOT_YOURS_ACCOUNT = "account {} is not on this case (only the lender moves accounts)"
OWN_AGENCY_ONLY = "you may place cases only with your own agency"
NOT_YOURS_PERSON = "person {} is not related to this debtor (only the lender links people)"


@dataclass(frozen=True)
class AgencyScope:
    """An agency's import: it may touch only cases unplaced or placed with `agency_id` (None:
    a staff member of no agency: unplaced cases only)."""

    agency_id: str | None


def import_scope(session: Session, user_id: str | None) -> AgencyScope | None:
    """None when the importer is lender-side (no user: the CLI; lender ops; admins), else the
    scope of the importer's agency."""
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is not None and user.role in (Role.ADMIN, Role.LENDER_OPS):
        return None
    return AgencyScope(user.agency_id if user is not None else None)


def out_of_scope(scope: AgencyScope, row, read, placed: dict[str, set],
                 agencies: dict[str, str]) -> dict:
    """Why an agency's import may not write this row (empty: it may); nothing foreign named."""
    agency_id = scope.agency_id
    case = read.cases.get(row.case_id)
    placements = placed.get(case[0], set()) if case else None
    if case is None or (placements and agency_id not in placements):
        return {"case_id": [NOT_OPEN.format(row.case_id)]}
    errors: dict[str, list[str]] = {}
    if row.agency_code is not None and agencies.get(row.agency_code) != agency_id:
        errors["agency_code"] = [OWN_AGENCY_ONLY]
    if read.account_case.get(row.account_id, row.case_id) != row.case_id:
        errors["account_id"] = [NOT_YOURS_ACCOUNT.format(row.account_id)]
    debtor = read.parties.get(row.debtor_id)
    for number, contact in enumerate(row.contacts, start=1):
        known = read.parties.get(contact.external_id)
        if known is not None and (debtor is None
                                  or (debtor[0], known[0]) not in read.relationships):
            errors[f"contact{number}_id"] = [NOT_YOURS_PERSON.format(contact.external_id)]
    return errors

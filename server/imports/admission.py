"""Rules across rows: an id given twice, a case or account that would change hands."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.imports.rows import ImportRow

PARTY_FIELDS = ("full_name", "national_id", "gender", "birth_date")


@dataclass
class FileState:
    """What the earlier rows of this file established (first line of each id)."""

    accounts: dict[str, int] = field(default_factory=dict)
    cases: dict[str, tuple[str, int]] = field(default_factory=dict)  # -> (debtor id, line)
    parties: dict[str, tuple[tuple, int]] = field(default_factory=dict)  # -> (facts, line)


def _facts(fields: dict) -> tuple:
    return tuple(map(fields.get, PARTY_FIELDS))


def _contact_facts(name: str) -> tuple:
    return (name, None, None, None)  # a contact column gives a name only


def _party_conflicts(state: FileState, external_id: str, facts: tuple, column: str) -> dict:
    seen = state.parties.get(external_id)
    if seen is None or seen[0] == facts:
        return {}
    differing = [name for name, old, new in zip(PARTY_FIELDS, seen[0], facts, strict=True)
                 if old is not None and new is not None and old != new]
    if not differing:
        return {}
    return {column: [f"person {external_id} is given with a different "
                     f"{', '.join(differing)} on line {seen[1]}"]}


def admit(state: FileState, row: ImportRow, db_case_debtor: dict[str, str],
          db_account_case: dict[str, str], agencies: dict[str, str]) -> dict:
    """Errors that keep this row out (empty when it is admitted, and then it is remembered)."""
    errors: dict[str, list[str]] = {}
    if row.account_id in state.accounts:
        errors["account_id"] = [f"account {row.account_id} already appears on line "
                                f"{state.accounts[row.account_id]}"]
    elif db_account_case.get(row.account_id, row.case_id) != row.case_id:
        errors["account_id"] = [f"account {row.account_id} belongs to case "
                                f"{db_account_case[row.account_id]}"]
    in_file = state.cases.get(row.case_id)
    debtor = in_file[0] if in_file else db_case_debtor.get(row.case_id, row.debtor_id)
    if debtor != row.debtor_id:
        where = f" on line {in_file[1]}" if in_file else ""
        errors["debtor_id"] = [f"case {row.case_id} belongs to debtor {debtor}{where}"]
    if row.agency_code is not None and row.agency_code not in agencies:
        errors["agency_code"] = [f"no agency has the code {row.agency_code!r}"]
    facts = _facts(row.debtor)
    known = state.parties
    if row.debtor_id in known:
        errors |= _party_conflicts(state, row.debtor_id, facts, "name")
    for number, contact in enumerate(row.contacts, start=1):
        if contact.external_id in known:
            errors |= _party_conflicts(state, contact.external_id, _contact_facts(contact.name),
                                       f"contact{number}_name")
    if not errors:
        _remember(state, row, facts)
    return errors


def _cell(values: dict, column: str) -> str | None:
    value = values.get(column)
    if isinstance(value, int) and not isinstance(value, bool):  # a JSON file's numeric id
        value = str(value)
    return (" ".join(value.split()) or None) if isinstance(value, str) else None


def file_errors(state: FileState, values: dict, agencies: dict[str, str]) -> dict:
    """For a row whose cells are already wrong: the admission errors its raw ids and agency
    code show against the file so far, so the lender sees everything wrong with it at once."""
    errors: dict[str, list[str]] = {}
    account_id, case_id = _cell(values, "account_id"), _cell(values, "case_id")
    debtor_id, agency_code = _cell(values, "debtor_id"), _cell(values, "agency_code")
    if account_id in state.accounts:
        errors["account_id"] = [f"account {account_id} already appears on line "
                                f"{state.accounts[account_id]}"]
    in_file = state.cases.get(case_id) if case_id else None
    if in_file and debtor_id and in_file[0] != debtor_id:
        errors["debtor_id"] = [f"case {case_id} belongs to debtor {in_file[0]} on line "
                               f"{in_file[1]}"]
    if agency_code is not None and agency_code not in agencies:
        errors["agency_code"] = [f"no agency has the code {agency_code!r}"]
    return errors


def _remember(state: FileState, row: ImportRow, facts: tuple) -> None:
    state.accounts[row.account_id] = row.line
    state.cases.setdefault(row.case_id, (row.debtor_id, row.line))
    _note_party(state, row.debtor_id, facts, row.line)
    for contact in row.contacts:
        _note_party(state, contact.external_id, _contact_facts(contact.name), row.line)


def _note_party(state: FileState, external_id: str, facts: tuple, line: int) -> None:
    seen = state.parties.get(external_id)
    if seen is None:
        state.parties[external_id] = (facts, line)
    elif None in seen[0]:  # a later row may add facts an earlier one left out
        merged = tuple(new if old is None else old for old, new in zip(seen[0], facts,
                                                                       strict=True))
        state.parties[external_id] = (merged, seen[1])

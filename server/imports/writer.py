"""Write one chunk of valid rows: admit them, then parties, cases, accounts and their children."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from server.imports import children
from server.imports.admission import FileState, admit
from server.imports.report import Report
from server.imports.rows import ImportRow
from server.imports.upsert import fetch, plan, write
from server.models import Account, Case, Party

PARTY_RULES = {"full_name": "replace", "national_id": "coalesce", "gender": "coalesce",
               "birth_date": "coalesce", "vulnerable": "or"}
CASE_RULES = {"jurisdiction": "coalesce"}
ACCOUNT_RULES = {"principal": "replace", "outstanding": "replace", "product": "coalesce",
                 "currency": "coalesce", "overdue_amount": "coalesce", "due_since": "coalesce",
                 "dpd": "coalesce", "bucket": "coalesce"}
ACCOUNT_DEFAULTS = {"product": "loan", "currency": "CNY", "overdue_amount": Decimal("0"), "dpd": 0,
                    "bucket": "M0"}


@dataclass
class Context:
    """Everything a chunk needs: the session, the lender, this file's state and its report."""

    session: Session
    lender_id: str
    jurisdiction: str
    agencies: dict[str, str]  # code -> id
    report: Report
    state: FileState = field(default_factory=FileState)


def write_chunk(ctx: Context, rows: list[ImportRow]) -> None:
    """Admit rows against the file and the database, upsert them, count each row's outcome."""
    cases_db = {r.external_id: r for r in fetch(
        ctx.session, [Case.id, Case.external_id, Case.jurisdiction, Party.external_id.label("who")],
        Case.external_id, (r.case_id for r in rows), Case.lender_id == ctx.lender_id,
        Party.id == Case.debtor_id)}
    accounts_db = {r.external_id: r for r in fetch(
        ctx.session, [*(getattr(Account, c) for c in ("id", "external_id", *ACCOUNT_RULES)),
                      Case.external_id.label("case_external_id")],
        Account.external_id, (r.account_id for r in rows), Account.lender_id == ctx.lender_id,
        Case.id == Account.case_id)}
    case_debtor = {key: case.who for key, case in cases_db.items()}
    account_case = {key: account.case_external_id for key, account in accounts_db.items()}
    admitted = []
    for row in rows:
        errors = admit(ctx.state, row, case_debtor, account_case, ctx.agencies)
        if errors:
            ctx.report.reject(row.line, {"case_id": row.case_id, "account_id": row.account_id,
                                         "debtor_id": row.debtor_id}, errors)
        else:
            admitted.append(row)
    touched: set[int] = set()
    parties = _parties(ctx, admitted, touched)
    cases = _cases(ctx, admitted, cases_db, parties.ids, touched)
    _accounts(ctx, admitted, accounts_db, cases.ids, touched)
    children.write_children(ctx, admitted, parties, cases, touched)
    for row in admitted:
        ctx.report.row("created" if row.account_id not in accounts_db
                       else "updated" if row.line in touched else "unchanged")


def _parties(ctx: Context, rows: list[ImportRow], touched: set[int]):
    wanted: dict[str, tuple[dict, int]] = {}
    for row in rows:  # the debtor's own row says more about a person than a contact column
        _merge(wanted, row.debtor_id, row.debtor, row.line)
    for row in rows:
        for contact in row.contacts:
            _merge(wanted, contact.external_id, {"full_name": contact.name}, row.line)
    existing = {p.external_id: p for p in fetch(
        ctx.session, [Party.id, Party.external_id, *(getattr(Party, c) for c in PARTY_RULES)],
        Party.external_id, wanted, Party.lender_id == ctx.lender_id)}
    for values, _line in wanted.values():
        values["lender_id"] = ctx.lender_id
    result = plan(wanted, existing, PARTY_RULES, {"vulnerable": False})
    write(ctx.session, Party.__table__, result, ("lender_id", "external_id"), PARTY_RULES,
          ctx.report)
    touched |= result.lines
    return result


def _merge(wanted: dict, external_id: str, values: dict, line: int) -> None:
    if external_id not in wanted:
        wanted[external_id] = ({"external_id": external_id, **dict.fromkeys(PARTY_RULES),
                                **values}, line)
        return
    merged = wanted[external_id][0]
    for key, value in values.items():
        if merged.get(key) is None or (key == "vulnerable" and value):
            merged[key] = value


def _cases(ctx, rows, cases_db, party_ids, touched):
    wanted: dict[str, tuple[dict, int]] = {}
    for row in rows:
        wanted.setdefault(row.case_id, ({
            "lender_id": ctx.lender_id, "external_id": row.case_id,
            "debtor_id": party_ids[row.debtor_id], "jurisdiction": row.jurisdiction}, row.line))
    result = plan(wanted, cases_db, CASE_RULES, {"jurisdiction": ctx.jurisdiction})
    write(ctx.session, Case.__table__, result, ("lender_id", "external_id"), CASE_RULES,
          ctx.report)
    touched |= result.lines
    return result


def _accounts(ctx, rows, accounts_db, case_ids, touched) -> None:
    wanted = {row.account_id: ({
        "lender_id": ctx.lender_id, "external_id": row.account_id,
        "case_id": case_ids[row.case_id], **row.account}, row.line) for row in rows}
    result = plan(wanted, accounts_db, ACCOUNT_RULES, ACCOUNT_DEFAULTS)
    write(ctx.session, Account.__table__, result, ("lender_id", "external_id"), ACCOUNT_RULES,
          ctx.report)
    touched |= result.lines

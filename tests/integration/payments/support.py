"""A lender with an account on a case, an admin, lender ops, and an API client's token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from server.auth.clients import create_client
from server.extensions import db
from server.models import Account
from tests.support import factories as f
from tests.support.api import bearer, login

PAID = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@dataclass
class Lender:
    lender_id: str
    code: str
    case_id: str
    account_ref: str
    account_id: str
    client: dict  # Authorization header of the lender's API client
    ops: dict  # Authorization header of a lender ops person
    admin: dict


def lender_world(app, client, scopes=("payments:write",)) -> Lender:
    with app.app_context():
        s = db.session
        lender = f.agency(s, kind="lender")
        case, _ = f.case_with_visit(s, lender=lender)
        account = f.account_of(s, case)
        issued = create_client(s, None, "core banking", lender.code, list(scopes))
        ops = f.user(s, "lender_ops", agency_code=lender.code).username
        admin = f.user(s, "admin").username
        world = Lender(lender.id, lender.code, case.id, account.external_id, account.id,
                       bearer(issued.token), {}, {})
        s.commit()
    world.ops, world.admin = bearer(login(client, ops)), bearer(login(client, admin))
    return world


def posting(txn_id: str, account_ref: str, amount: str = "500.00", **kw) -> dict:
    return {"txn_id": txn_id, "account_id": account_ref, "amount": amount,
            "paid_at": kw.pop("paid_at", PAID.isoformat()), "channel": "transfer", **kw}


def account(app, account_id: str) -> Account:
    with app.app_context():
        row = db.session.get(Account, account_id)
        db.session.expunge(row)
        return row

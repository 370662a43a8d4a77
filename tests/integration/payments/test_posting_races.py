"""Two requests racing with the same transaction (a retry while the first is still running)
store it once; the loser answers as a replay (PostgreSQL: the second waits on the key)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from server.auth.clients import ClientPrincipal
from server.extensions import db
from server.models import LenderPosting
from server.payments.service import post_posting
from tests.support import factories as f

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_a_retry_racing_the_first_request_stores_the_posting_once(app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: there is no race to lose")
    with app.app_context():
        lender = f.agency(db.session, kind="lender")
        case, _ = f.case_with_visit(db.session, lender=lender)
        ref = f.account_of(db.session, case).external_id
        db.session.commit()
        principal = ClientPrincipal("core", lender.id, ("payments:write",))
        body = {"txn_id": "RACE-1", "account_id": ref, "amount": "10.00",
                "paid_at": NOW.isoformat()}
        make = sessionmaker(bind=db.engine)
        first, second, outcome = make(), make(), {}
        try:
            post_posting(first, principal, body, NOW, SH).answer()

            def retry():
                posting, replayed = post_posting(second, principal, body, NOW, SH).answer()
                outcome["answer"] = (posting.txn_id, replayed)
                second.commit()

            racer = threading.Thread(target=retry)
            racer.start()
            time.sleep(0.5)  # the retry is now waiting on the first one's key
            first.commit()
            racer.join(10)
        finally:
            first.close()
            second.close()
        assert outcome["answer"] == ("RACE-1", True)
        assert db.session.scalar(select(func.count()).select_from(LenderPosting)) == 1

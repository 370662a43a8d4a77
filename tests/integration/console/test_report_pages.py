"""Team reports: visits, right-party contacts, promises made and kept, amount collected."""

from __future__ import annotations

from datetime import timedelta

from server.models import Case, PaymentPromise, VisitAssignee, utcnow
from tests.integration.console.conftest import sign_in
from tests.integration.console.test_board_pages import _visit
from tests.integration.dispatch.world import world
from tests.support import factories as f
from tests.support.clock import operation_today


def test_the_report_counts_each_collectors_results(console, session):
    w = world(session)
    met, away = _visit(session, w), _visit(session, w)
    ann = w.collectors[0]
    for visit in (met, away):
        session.add(VisitAssignee(visit_id=visit.id, user_id=ann.id))
    now = utcnow() - timedelta(minutes=5)
    f.outcome(session, met, ann, now, code="PROMISED")
    f.outcome(session, away, ann, now, code="NOT_HOME")
    case = session.get(Case, met.case_id)
    f.promise(session, case, "500.00", operation_today() + timedelta(days=3), now,
              collector=ann, visit_id=met.id)
    kept = f.promise(session, case, "200.00", operation_today(), now, collector=ann)
    kept.status = "kept"
    f.payment(session, case, "200.00", now, collector=ann, method="cash")
    session.commit()
    sign_in(console, w.dispatcher.username)

    html = console.get(f"/console/reports?team={w.team.code}").get_data(as_text=True)

    row = html.split(f'data-collector="{ann.id}"')[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split("<td")[1:]]
    assert [c.split(">", 1)[1] for c in cells[1:]] == ["2", "2", "50%", "2", "1", "200.00"]
    assert "<svg" in html and session.query(PaymentPromise).count() == 2


def test_a_reversed_or_too_long_range_is_a_422(console, session):
    w = world(session)
    session.commit()
    sign_in(console, w.dispatcher.username)

    reversed_ = console.get(f"/console/reports?team={w.team.code}&from=2026-05-02&to=2026-05-01")
    too_long = console.get(f"/console/reports?team={w.team.code}&from=2025-01-01&to=2026-01-01")

    assert reversed_.status_code == too_long.status_code == 422
